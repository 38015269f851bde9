/**
 * Packer's stepCreateDisk/stepCopyDisk/stepResizeDisk for `disk_image: true`: the source disk is
 * copied into the output directory (converted when its format differs from `format`), or, with
 * `use_backing_file`, an overlay is created on it. Unlike Packer 1.6.6 the overlay names its
 * backing format (`-F`), which QEMU ≥ 6.1 requires.
 */
import { copyFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Config } from "../../../shared/components/builders/qemu.js";
import type { Step } from "../../runner/steps.js";
import { diskInfo, diskSizeBytes } from "./disk-info.js";
import { runProgram } from "./run-program.js";
import type { OutputDirReady } from "./step-output-dir.js";

export interface DiskReady {
  diskPath: string;
}

export function sourceDiskPath(url: string, workDir: string): string {
  if (url.startsWith("file://")) return fileURLToPath(url);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new Error(`iso_url: "${url}": disk_image builds read a local disk (a path or file:// URL); download it first`);
  return path.resolve(workDir, url);
}

export function stepCreateDisk(config: Config): Step<OutputDirReady, DiskReady> {
  return {
    name: "create disk",
    async run(ctx, state) {
      if (!config.diskImage) throw new Error("Kiln's qemu builder builds from a disk image only so far: set \"disk_image\": true and point iso_url at a bootable disk");
      const source = sourceDiskPath(config.iso.isoUrls[0]!, ctx.workDir);
      const sourceInfo = await diskInfo(source, ctx.signal).catch((e: unknown) => {
        throw new Error(`iso_url: cannot read disk image ${source}: ${e instanceof Error ? e.message : String(e)}`);
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
      return { diskPath };
    },
  };
}
