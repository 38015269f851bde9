/**
 * What a warm snapshot is valid for: the base image's content, the QEMU program and version, the
 * accelerator, and the VM's shape exactly as QEMU is started (machine, CPUs, memory, devices,
 * disk options, the template's qemuargs, the disk's size) with what changes per run — ports,
 * sockets, file paths — left out, and the content of attached media. Anything else differing
 * gives another key, so a stale snapshot is never restored into a different machine.
 */
import { createHash } from "node:crypto";
import type { Config } from "../../../../shared/components/builders/qemu.js";
import type { InterpolationContext } from "../../../../shared/template/interpolate/context.js";
import { pathDigest } from "../../../../shared/plan/fingerprint/index.js";
import { canonicalJson } from "../../../../shared/plan/fingerprint/index.js";
import { qemuArgs } from "../qemu-args.js";

/** Bumped when capture or restore changes in a way old snapshots would not survive. */
const WARM_FORMAT = 2; // 2: warm guests carry a vmgenid device

export interface WarmKeyInput {
  config: Config;
  accel: string;
  qemuVersion: string;
  basePath: string;
  diskSizeBytes: number;
  cdPaths: readonly string[];
  floppyPath?: string;
  interpolation: InterpolationContext;
  digests: Map<string, string>;
}

export async function warmKey(input: WarmKeyInput): Promise<string> {
  const { config } = input;
  const shape = qemuArgs(
    config,
    {
      accel: input.accel, diskPath: "DISK", sshHostPort: 1, vncPort: 5900, qmpSocket: "QMP", serialLog: "SERIAL", outputDir: "OUTPUT",
      httpIp: "HTTPIP", httpPort: 1, additionalDiskPaths: [], cdPaths: input.cdPaths.map((_, i) => `CD${i}`),
      floppyPath: input.floppyPath ? "FLOPPY" : undefined,
    },
    input.interpolation,
  );
  const media = await Promise.all([...input.cdPaths, ...(input.floppyPath ? [input.floppyPath] : [])].map((p) => pathDigest(p, input.digests)));
  const key = {
    format: WARM_FORMAT,
    qemu: [config.qemuBinary, input.qemuVersion],
    base: await pathDigest(input.basePath, input.digests),
    diskSizeBytes: input.diskSizeBytes,
    shape,
    media,
  };
  return createHash("sha256").update(canonicalJson(key)).digest("hex").slice(0, 32);
}
