/**
 * Packer's stepConvertDisk: `qemu-img convert` drops the blocks the build freed and, with
 * disk_compression, compresses (qcow2 only). Skipped with skip_compaction (unless
 * disk_compression asks for it anyway, as in Packer) and for overlays. `-W` lets qemu-img write
 * out of order into the new file: about a third faster here, same content.
 */
import { rename, rm } from "node:fs/promises";
import type { Config } from "../../../shared/components/builders/qemu.js";
import type { Step } from "../../runner/steps.js";
import { runProgram } from "../common/run-program.js";
import type { DiskReady } from "./step-create-disk.js";
import type { WarmReady } from "./warm/step-warm-plan.js";

export function stepConvertDisk(config: Config): Step<DiskReady & WarmReady, object> {
  return {
    name: "convert disk",
    async run(ctx, state) {
      // A -warm build ran on an overlay of the base; unless the template asked for one, its output
      // must be the whole disk a cold build makes.
      const flatten = state.warm.mode !== "off" && !config.useBackingFile;
      // Converting an overlay would flatten it: Packer keeps use_backing_file's overlay as it is.
      if (!flatten && ((config.skipCompaction && !config.diskCompression) || config.useBackingFile)) return {};
      ctx.ui.say("Converting hard drive...");
      const tmp = `${state.diskPath}.convert`;
      const args = ["convert", "-W", "-O", config.format, ...(config.diskCompression ? ["-c"] : []), ...config.qemuImgArgs.convert, state.diskPath, tmp];
      try {
        await runProgram("qemu-img", args, ctx.signal);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
      await rename(tmp, state.diskPath);
      return {};
    },
  };
}
