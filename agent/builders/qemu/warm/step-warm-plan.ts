/**
 * `kiln build -warm` for the qemu builder: decides, before the disk is made, whether this build
 * restores a warm snapshot (the guest as it was when its sshd first answered, seconds instead of
 * a boot), captures one for the next build (a cold boot, paused for a moment at that point), or
 * boots cold as usual. Only disk_image builds in qcow2 with the ssh communicator and no
 * boot_command qualify: an installer's boot is not a state worth keeping, and a raw disk cannot
 * carry the overlay the snapshot needs.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Config } from "../../../../shared/components/builders/qemu.js";
import type { Step } from "../../../runner/steps.js";
import { chooseAccelerator } from "../accelerator.js";
import { diskInfo, diskSizeBytes } from "../../common/disk-info.js";
import type { CdReady } from "../../common/step-cd-files.js";
import type { IsoReady } from "../../common/step-download-iso.js";
import { isoCacheDir } from "../../common/step-download-iso.js";
import type { FloppyReady } from "../../common/step-floppy.js";
import { warmKey } from "./warm-key.js";
import { chooseWarmMode, loadDigests, warmApplies, saveDigests, warmRoot, type WarmSnapshot } from "../../common/warm/index.js";

export type WarmPlan =
  | { mode: "off" }
  | { mode: "capture"; key: string; root: string; snapshot: WarmSnapshot; baseFormat: string; diskSizeBytes: number }
  | { mode: "restore"; key: string; snapshot: WarmSnapshot; baseFormat: string };

export interface WarmReady {
  warm: WarmPlan;
}

const versions = new Map<string, Promise<string>>();
function qemuVersion(binary: string): Promise<string> {
  let v = versions.get(binary);
  if (!v) {
    v = promisify(execFile)(binary, ["--version"]).then((r) => r.stdout.split("\n")[0]!.trim(), () => "unknown");
    versions.set(binary, v);
  }
  return v;
}

/** Why -warm cannot apply to this configuration, or undefined when it can. */
export function warmUnsupported(config: Config): string | undefined {
  if (!config.diskImage) return "it installs from an ISO (warm snapshots are for disk_image builds)";
  if (config.format !== "qcow2") return `its disk format is ${config.format} (warm snapshots need qcow2)`;
  if (config.boot.bootCommand.length > 0) return "it types a boot_command";
  if (config.communicator.type !== "ssh") return `its communicator is ${config.communicator.type} (warm snapshots need ssh)`;
  if (config.isoSkipCache) return "iso_skip_cache lets QEMU read the image from its URL";
  if (config.qemuArgs.some((g) => ["-incoming", "-loadvm", "-snapshot"].includes(g[0] ?? ""))) return "its qemuargs manage snapshots or migration themselves";
  return undefined;
}

export function stepWarmPlan(config: Config, requested: boolean): Step<IsoReady & FloppyReady & CdReady, WarmReady> {
  return {
    name: "warm snapshot",
    async run(ctx, state) {
      if (!warmApplies(ctx, requested, () => warmUnsupported(config))) return { warm: { mode: "off" } };
      const base = await diskInfo(state.isoPath, ctx.signal);
      const wanted = config.skipResizeDisk ? 0 : diskSizeBytes(config.diskSize);
      const size = Math.max(wanted, base.virtualSize);
      const root = warmRoot(ctx.downloadCacheDir ?? isoCacheDir(ctx.workDir));
      const digests = await loadDigests(root);
      const key = await warmKey({
        config,
        accel: (await chooseAccelerator(config.accelerator)).accel,
        qemuVersion: await qemuVersion(config.qemuBinary),
        basePath: state.isoPath,
        diskSizeBytes: size,
        cdPaths: state.cdPath ? [state.cdPath] : [],
        floppyPath: state.floppyPath,
        interpolation: ctx.prepare.interpolation,
        digests,
      });
      await saveDigests(root, digests).catch(() => undefined);
      const { mode, snapshot } = await chooseWarmMode(root, key);
      if (mode === "restore") {
        ctx.ui.say(`-warm: restoring the guest booted from this image (snapshot ${key})`);
        return { warm: { mode: "restore", key, snapshot, baseFormat: base.format } };
      }
      ctx.ui.say(`-warm: no snapshot for this image and VM shape yet; booting cold and saving one (${key})`);
      return { warm: { mode: "capture", key, root, snapshot, baseFormat: base.format, diskSizeBytes: size } };
    },
  };
}
