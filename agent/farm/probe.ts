/**
 * What this host can run: the capabilities builders declare as `needs` (shared/components/builders).
 * Every check looks at the real thing (a binary on PATH, a loaded kernel module, a socket that
 * answers), because an agent that claims a capability it lacks takes jobs it can only fail.
 */
import { constants } from "node:fs";
import { access, readdir, readFile } from "node:fs/promises";
import { request } from "node:http";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { probeKvm } from "../builders/qemu/kvm-probe.js";

export interface HostProbe {
  /** Sorted capability strings: `qemu`, `qemu-img`, `kvm`, `docker`, `virtualbox`, `vmware`, `aws`, `arch:x86_64`. */
  capabilities: string[];
  /** uname-style machine name (x86_64, aarch64, …). */
  arch: string;
  /** `qemu-system-*` binaries found on PATH (names only). */
  qemuSystems: string[];
  /** One line per check saying what was found or why not, for the agent's start-up report. */
  findings: string[];
}

export interface ProbeOptions {
  env?: NodeJS.ProcessEnv;
  /** Where kernel modules are listed (`/sys/module`). */
  sysModuleDir?: string;
  /** The KVM device (`/dev/kvm`). */
  kvmDevice?: string;
  /** How long the Docker socket gets to answer `/_ping`. */
  dockerTimeoutMs?: number;
}

export async function probeHost(options: ProbeOptions = {}): Promise<HostProbe> {
  const env = options.env ?? process.env;
  const findings: string[] = [];
  const caps = new Set<string>();
  const arch = unameArch(process.arch);
  caps.add(`arch:${arch}`);

  const qemuSystems = await binariesOnPath(env, (name) => /^qemu-system-[A-Za-z0-9_]+$/.test(name));
  if (qemuSystems.length > 0) {
    caps.add("qemu");
    findings.push(`qemu: ${qemuSystems.join(", ")}`);
  } else findings.push("qemu: no qemu-system-* on PATH");

  for (const [capability, binary] of [["qemu-img", "qemu-img"], ["virtualbox", "VBoxManage"], ["vmware", "vmrun"]] as const) {
    const found = await findOnPath(env, binary);
    if (found) caps.add(capability);
    findings.push(`${capability}: ${found ?? `no ${binary} on PATH`}`);
  }

  const kvm = await probeKvm(options.sysModuleDir ?? "/sys/module", options.kvmDevice ?? "/dev/kvm");
  if (kvm.ok) caps.add("kvm");
  findings.push(`kvm: ${kvm.why}`);

  const docker = await probeDocker(env, options.dockerTimeoutMs ?? 1500);
  if (docker.ok) caps.add("docker");
  findings.push(`docker: ${docker.why}`);

  const aws = await probeAwsCredentials(env);
  if (aws.ok) caps.add("aws");
  findings.push(`aws: ${aws.why}`);

  return { capabilities: [...caps].sort(), arch, qemuSystems, findings };
}

/** Node's `process.arch` in the names `uname -m` and QEMU use. */
export function unameArch(nodeArch: string): string {
  const names: Record<string, string> = { x64: "x86_64", arm64: "aarch64", ia32: "i386", arm: "arm", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };
  return names[nodeArch] ?? nodeArch;
}

interface Check {
  ok: boolean;
  why: string;
}

/** A Docker Engine answering `GET /_ping` on DOCKER_HOST (unix:// or tcp://) or /var/run/docker.sock. */
async function probeDocker(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Check> {
  const host = env.DOCKER_HOST && env.DOCKER_HOST.length > 0 ? env.DOCKER_HOST : "unix:///var/run/docker.sock";
  let target: { socketPath: string } | { host: string; port: number };
  if (host.startsWith("unix://")) target = { socketPath: host.slice("unix://".length) };
  else if (host.startsWith("tcp://")) {
    const u = new URL(`http://${host.slice("tcp://".length)}`);
    target = { host: u.hostname, port: Number(u.port || 2375) };
  } else return { ok: false, why: `DOCKER_HOST=${host} is neither unix:// nor tcp:// (not probed)` };
  return new Promise<Check>((resolve) => {
    const req = request({ ...target, path: "/_ping", method: "GET", timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => {
        const ok = res.statusCode === 200 && body.trim() === "OK";
        resolve({ ok, why: ok ? `${host} answers /_ping` : `${host} answered /_ping with ${res.statusCode} ${body.trim().slice(0, 80)}` });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (e) => resolve({ ok: false, why: `${host}: ${e.message}` }));
    req.end();
  });
}

/** AWS credentials from the environment or the shared credentials file (the SDK's first two sources). */
async function probeAwsCredentials(env: NodeJS.ProcessEnv): Promise<Check> {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return { ok: true, why: "AWS_ACCESS_KEY_ID in the environment" };
  const file = env.AWS_SHARED_CREDENTIALS_FILE || join(env.HOME || homedir(), ".aws", "credentials");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return { ok: false, why: `no AWS_ACCESS_KEY_ID in the environment and no ${file}` };
  }
  return /^\s*aws_access_key_id\s*=\s*\S+/m.test(text)
    ? { ok: true, why: file }
    : { ok: false, why: `${file} holds no aws_access_key_id` };
}

async function findOnPath(env: NodeJS.ProcessEnv, binary: string): Promise<string | undefined> {
  for (const dir of pathDirs(env)) {
    const candidate = join(dir, binary);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function binariesOnPath(env: NodeJS.ProcessEnv, match: (name: string) => boolean): Promise<string[]> {
  const found = new Set<string>();
  for (const dir of pathDirs(env)) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) if (match(name) && !found.has(name) && (await isExecutable(join(dir, name)))) found.add(name);
  }
  return [...found].sort();
}

function pathDirs(env: NodeJS.ProcessEnv): string[] {
  return (env.PATH ?? "").split(delimiter).filter((d) => d.length > 0);
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
