/**
 * `kiln build -warm` for the libvirt builder: decides, before the domain is defined, whether this
 * build restores a warm snapshot (the guest as it was when its sshd first answered), captures one
 * for the next build (a cold boot, paused for a moment at that point), or boots cold as usual.
 * Only builds whose artifact volume is an overlay on a base image (a backing-store source), on a
 * local libvirt, reached over SSH through Kiln's `user` interface, with no boot_command and no
 * firmware variables qualify; other volumes may only be cloud-init seeds (their whole content is
 * in the template, so in the key): an installer's boot, or a disk whose content the key cannot
 * see, is not a state worth keeping.
 */
import { isLocalUri, type Config } from "../../../../shared/components/builders/libvirt.js";
import type { Step } from "../../../runner/steps.js";
import { diskInfo } from "../../common/disk-info.js";
import { isoCacheDir } from "../../common/step-download-iso.js";
import { chooseWarmMode, loadDigests, warmApplies, saveDigests, warmRoot, type WarmSnapshot } from "../../common/warm/index.js";
import { volumeFacts } from "../domain-xml.js";
import type { LibvirtConnected } from "../step-open-connection.js";
import { libvirtWarmKey } from "./warm-key.js";

export type LibvirtWarmPlan =
  | { mode: "off" }
  | { mode: "capture" | "restore"; key: string; root: string; snapshot: WarmSnapshot; basePath: string; baseFormat: string };

export interface LibvirtWarmReady {
  warm: LibvirtWarmPlan;
}

/** Why -warm cannot apply to this configuration, or undefined when it can. */
export function warmUnsupported(config: Config): string | undefined {
  const artifact = config.volumes.find((v) => v.alias === config.artifactVolumeAlias);
  if (artifact?.source?.type !== "backing-store") return "its artifact volume is not an overlay on a base image (a backing-store source)";
  const other = config.volumes.find((v) => v !== artifact && v.source?.type !== "cloud-init");
  if (other) return `volume ${other.pool}/${other.name} is not a cloud-init seed (its content is not part of the template)`;
  if (!isLocalUri(config.libvirtUri)) return `libvirt at ${config.libvirtUri} is remote (warm snapshots are files of this host)`;
  if (config.communicator.type !== "ssh" || config.communicator.ssh.host) return "it does not reach the guest's SSH through a user network_interface";
  if (!config.networkInterfaces.some((ni) => ni.type === "user")) return "it has no user network_interface";
  if (config.boot.bootCommand.length > 0) return "it types a boot_command";
  if (config.nvramPath || config.nvramTemplate) return "its firmware keeps variables in NVRAM";
  return undefined;
}

export function stepWarmPlan(config: Config, requested: boolean): Step<LibvirtConnected, LibvirtWarmReady> {
  return {
    name: "warm snapshot",
    async run(ctx, state) {
      if (!warmApplies(ctx, requested, () => warmUnsupported(config))) return { warm: { mode: "off" } };
      const source = config.volumes.find((v) => v.alias === config.artifactVolumeAlias)!.source as { path?: string; pool?: string; volume?: string };
      const basePath = source.path ?? (await basePathInPool(state, source.pool!, source.volume!));
      const base = await diskInfo(basePath, ctx.signal);
      const root = warmRoot(ctx.downloadCacheDir ?? isoCacheDir(ctx.workDir));
      const digests = await loadDigests(root);
      const key = await libvirtWarmKey({ config, domainType: state.domainType, libvirtVersion: state.conn.libVersion(), basePath, digests });
      await saveDigests(root, digests).catch(() => undefined);
      const { mode, snapshot } = await chooseWarmMode(root, key);
      if (mode === "restore") ctx.ui.say(`-warm: restoring the guest booted from this image (snapshot ${key})`);
      else ctx.ui.say(`-warm: no snapshot for this image and domain shape yet; booting cold and saving one (${key})`);
      return { warm: { mode, key, root, snapshot, basePath, baseFormat: base.format } };
    },
  };
}

async function basePathInPool(state: LibvirtConnected, pool: string, volume: string): Promise<string> {
  const p = await state.conn.pool(pool);
  try {
    const v = await p.volume(volume);
    try {
      return volumeFacts(await v.xml()).path;
    } finally {
      v.free();
    }
  } finally {
    p.free();
  }
}
