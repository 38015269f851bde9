/**
 * What this host can run: the capabilities builder schemas declare as `needs`
 * (shared/components/builders), as each builder plugin's own probe finds them
 * (BuilderPlugin.hostProbe), plus the architecture. The agent knows no builder by name: a new
 * builder brings its probe with it.
 */
import { provisionerSchema, supportedTypes } from "../../shared/components/registry.js";
import { defaultCatalogue, type PluginCatalogue } from "../catalogue.js";
import type { CapabilityCheck, HostProbeContext } from "../host-probe/index.js";

export interface HostProbe {
  /** Sorted capability strings: `arch:x86_64` and what the plugins found (`qemu`, `kvm`, `docker`, …). */
  capabilities: string[];
  /** uname-style machine name (x86_64, aarch64, …). */
  arch: string;
  /** One line per check saying what was found or why not, for the agent's start-up report. */
  findings: string[];
}

export interface ProbeOptions {
  env?: NodeJS.ProcessEnv;
  /** Where kernel modules are listed (`/sys/module`). */
  sysModuleDir?: string;
  /** Where device nodes are (`/dev`). */
  devDir?: string;
  /** How long a local service (an engine's socket) gets to answer. */
  serviceTimeoutMs?: number;
  catalogue?: PluginCatalogue;
}

export async function probeHost(options: ProbeOptions = {}): Promise<HostProbe> {
  const catalogue = options.catalogue ?? defaultCatalogue;
  const ctx: HostProbeContext = {
    env: options.env ?? process.env,
    sysModuleDir: options.sysModuleDir ?? "/sys/module",
    devDir: options.devDir ?? "/dev",
    serviceTimeoutMs: options.serviceTimeoutMs ?? 1500,
  };
  const arch = unameArch(process.arch);
  const types = supportedTypes("builder").filter((type) => catalogue.canRun("builder", type));
  const plugins = await Promise.all(types.map((type) => catalogue.builder(type)));
  // Each probe once (plugins may share one), all at once: a slow engine socket does not hold up the rest.
  // Provisioners that run a program of their own on this host (ansible) probe for it too.
  // Only those whose schema names host needs are loaded: the others have nothing to probe.
  const probing = supportedTypes("provisioner").filter((type) => (provisionerSchema(type)?.hostNeeds?.length ?? 0) > 0 && catalogue.canRun("provisioner", type));
  const provisioners = await Promise.all(probing.map((type) => catalogue.provisioner(type)));
  const probes = [...new Set([...plugins, ...provisioners].flatMap((p) => (p.hostProbe ? [p.hostProbe] : [])))];
  const checks: CapabilityCheck[] = (await Promise.all(probes.map((probe) => probe(ctx)))).flat();

  const caps = new Set<string>([`arch:${arch}`]);
  const findings = new Map<string, string>();
  for (const check of checks) {
    if (check.ok) caps.add(check.capability);
    // Two plugins needing the same capability: a found one is reported over a missing one.
    if (check.ok || !findings.has(check.capability)) findings.set(check.capability, check.why);
  }
  return { capabilities: [...caps].sort(), arch, findings: [...findings].map(([capability, why]) => `${capability}: ${why}`) };
}

/** Node's `process.arch` in the names `uname -m` and QEMU use. */
export function unameArch(nodeArch: string): string {
  const names: Record<string, string> = { x64: "x86_64", arm64: "aarch64", ia32: "i386", arm: "arm", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };
  return names[nodeArch] ?? nodeArch;
}
