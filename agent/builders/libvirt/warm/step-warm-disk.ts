/**
 * The disk half of a libvirt warm restore: the artifact volume, just made as an empty overlay on
 * the base, takes the snapshot's overlay (the disk as it was when the snapshot's guest was saved),
 * pointed at this build's base path (same content by the key, maybe another path). The snapshot
 * itself is only read: each build writes its own copy.
 */
import { copyFile } from "node:fs/promises";
import type { Step } from "../../../runner/steps.js";
import { runProgram } from "../../common/run-program.js";
import { volumeFacts } from "../domain-xml.js";
import type { VolumesReady } from "../step-create-volumes.js";
import type { LibvirtWarmReady } from "./step-warm-plan.js";

export interface WarmDiskReady {
  /** The artifact volume's file on this host (-warm only). */
  artifactPath?: string;
}

export function stepWarmDisk(): Step<LibvirtWarmReady & VolumesReady, WarmDiskReady> {
  return {
    name: "warm snapshot disk",
    async run(ctx, state) {
      const { warm } = state;
      if (warm.mode === "off") return {};
      const artifactPath = volumeFacts(await state.artifactVolume.xml()).path;
      if (warm.mode === "restore") {
        await copyFile(warm.snapshot.diskPath, artifactPath);
        await runProgram("qemu-img", ["rebase", "-u", "-f", "qcow2", "-b", warm.basePath, "-F", warm.baseFormat, artifactPath], ctx.signal);
      }
      return { artifactPath };
    },
  };
}
