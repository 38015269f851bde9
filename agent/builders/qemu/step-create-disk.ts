/**
 * Packer's stepCreateDisk/stepCopyDisk/stepResizeDisk. From an ISO: an empty disk of `disk_size`
 * in `format`, plus one per `disk_additional_size` (named `<vm_name>-1`, `-2`… as Packer does).
 * With `disk_image: true`: the source disk (downloaded and verified by the download step) is
 * copied into the output directory (converted when its format differs from `format`), or, with
 * `use_backing_file`, an overlay is created on it. Unlike Packer 1.6.6 the overlay names its
 * backing format (`-F`), which QEMU ≥ 6.1 requires.
 */
import { errorMessage } from "../../../shared/error-message.js";
import { copyFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../../../shared/components/builders/qemu.js";
import type { Step } from "../../runner/steps.js";
import { diskInfo, diskSizeBytes } from "../common/disk-info.js";
import { runProgram } from "../common/run-program.js";
import type { IsoReady } from "../common/step-download-iso.js";
import type { OutputDirReady } from "../common/step-output-dir.js";
import type { WarmReady } from "./warm/step-warm-plan.js";

export interface DiskReady {
  diskPath: string;
  /** `disk_additional_size` disks, in order (ISO builds only). */
  additionalDiskPaths: string[];
}

export function stepCreateDisk(config: Config): Step<OutputDirReady & IsoReady & WarmReady, DiskReady> {
  return {
    name: "create disk",
    async run(ctx, state) {
      if (!config.diskImage) return createEmptyDisks(ctx.signal, ctx.ui.say.bind(ctx.ui), state.outputDir);
      const source = state.isoPath;
      const { warm } = state;
      if (warm.mode !== "off") {
        // -warm runs on an overlay of the base (the snapshot's, or a fresh one to snapshot);
        // the convert step flattens it unless the template wants use_backing_file's overlay.
        const diskPath = path.join(state.outputDir, config.vmName);
        if (warm.mode === "restore") {
          await copyFile(warm.snapshot.diskPath, diskPath);
          // Same content by the key, maybe another path: point the overlay at this run's base.
          await runProgram("qemu-img", ["rebase", "-u", "-f", "qcow2", "-b", source, "-F", warm.baseFormat, diskPath], ctx.signal);
        } else {
          await runProgram("qemu-img", ["create", "-f", "qcow2", "-b", source, "-F", warm.baseFormat, diskPath, String(warm.diskSizeBytes)], ctx.signal);
        }
        return { diskPath, additionalDiskPaths: [] };
      }
      const sourceInfo = await diskInfo(source, ctx.signal).catch((e: unknown) => {
        throw new Error(`iso_url: cannot read disk image ${source}: ${errorMessage(e)}`);
      });
      const diskPath = path.join(state.outputDir, config.vmName);
      if (config.useBackingFile) {
        ctx.ui.say(`Creating overlay disk on ${source}...`);
        await runProgram("qemu-img", ["create", "-f", "qcow2", "-b", source, "-F", sourceInfo.format, ...config.qemuImgArgs.create, diskPath], ctx.signal);
      } else if (sourceInfo.format === config.format) {
        ctx.ui.say(`Copying hard drive ${source} to ${diskPath}...`);
        await copyFile(source, diskPath);
      } else {
        ctx.ui.say(`Converting hard drive ${source} (${sourceInfo.format}) to ${config.format}...`);
        await runProgram("qemu-img", ["convert", "-f", sourceInfo.format, "-O", config.format, source, diskPath], ctx.signal);
      }
      if (!config.skipResizeDisk) {
        const wanted = diskSizeBytes(config.diskSize);
        // qemu-img refuses to shrink without --shrink; a disk already that big is left alone.
        if (wanted > sourceInfo.virtualSize) {
          ctx.ui.say(`Resizing hard drive to ${config.diskSize}...`);
          await runProgram("qemu-img", ["resize", "-f", config.format, ...config.qemuImgArgs.resize, diskPath, String(wanted)], ctx.signal);
        }
      }
      return { diskPath, additionalDiskPaths: [] };
    },
  };

  async function createEmptyDisks(signal: AbortSignal, say: (m: string) => void, outputDir: string): Promise<DiskReady> {
    say("Creating required virtual machine disks");
    const create = (file: string, size: string): Promise<string> =>
      runProgram("qemu-img", ["create", "-f", config.format, ...config.qemuImgArgs.create, file, String(diskSizeBytes(size))], signal);
    const diskPath = path.join(outputDir, config.vmName);
    await create(diskPath, config.diskSize);
    const additionalDiskPaths: string[] = [];
    for (const [i, size] of config.additionalDiskSizes.entries()) {
      const file = path.join(outputDir, `${config.vmName}-${i + 1}`);
      await create(file, size);
      additionalDiskPaths.push(file);
    }
    return { diskPath, additionalDiskPaths };
  }
}
