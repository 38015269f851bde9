/**
 * What a libvirt warm snapshot is valid for: the base image's content, libvirt's and QEMU's
 * versions, the domain type, and the domain exactly as it is defined (memory, CPUs, machine,
 * firmware, devices, volumes with their sources and sizes) with what changes per build — its
 * name, the owner metadata, pool and volume names, file paths — left out. Anything else differing
 * gives another key, so a snapshot is never restored into a different machine.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import type { Config } from "../../../../shared/components/builders/libvirt.js";
import { canonicalJson, pathDigest } from "../../../../shared/plan/fingerprint/index.js";
import { domainXml } from "../domain-xml.js";

/** Bumped when capture or restore changes in a way old snapshots would not survive. */
const WARM_FORMAT = 1;

export interface LibvirtWarmKeyInput {
  config: Config;
  domainType: string;
  libvirtVersion: string;
  basePath: string;
  digests: Map<string, string>;
}

const versions = new Map<string, Promise<string>>();
function qemuVersion(arch: string): Promise<string> {
  let v = versions.get(arch);
  if (!v) {
    v = promisify(execFile)(`qemu-system-${arch}`, ["--version"]).then((r) => r.stdout.split("\n")[0]!.trim(), () => "unknown");
    versions.set(arch, v);
  }
  return v;
}

export async function libvirtWarmKey(input: LibvirtWarmKeyInput): Promise<string> {
  const { config } = input;
  const shape = domainXml({
    config: {
      ...config,
      domainName: "WARM",
      volumes: config.volumes.map((v) => ({
        ...v,
        pool: "POOL",
        name: "VOLUME",
        source: v.source?.type === "backing-store" ? { ...v.source, path: "BASE", pool: undefined, volume: undefined } : v.source,
      })),
    },
    domainType: input.domainType,
    owner: { host: "", pid: 0, buildName: "" },
    created: [],
    warm: "capture",
  });
  const key = {
    format: WARM_FORMAT,
    builder: "libvirt",
    libvirt: input.libvirtVersion,
    qemu: await qemuVersion(config.arch),
    base: await pathDigest(input.basePath, input.digests),
    shape,
    volumes: config.volumes.map((v) => ({ capacity: v.capacity, size: v.size, source: v.source?.type === "backing-store" ? "BASE" : v.source })),
  };
  return createHash("sha256").update(canonicalJson(key)).digest("hex").slice(0, 32);
}
