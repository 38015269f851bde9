/**
 * Packer's StepCreateCD: `cd_files` and `cd_content` become an ISO 9660 image (Joliet and Rock
 * Ridge, volume id `cd_label`) in the build's scratch folder, attached as an extra CD-ROM. Made
 * with xorriso, genisoimage or mkisofs, whichever the host has (Packer's order on Linux).
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import type { FloppyCdConfig } from "../../../shared/components/vm-config/floppy-cd.js";
import type { Step } from "../../runner/steps.js";
import { makeIso } from "./make-iso.js";
import { stageMediaContent, stageMediaFiles } from "./media-files.js";

export interface CdReady {
  /** The cd_files ISO, when the template has cd_files or cd_content. */
  cdPath?: string;
}

export function stepCdFiles(config: { media: FloppyCdConfig }): Step<object, CdReady> {
  const made: { dir?: string } = {};
  return {
    name: "create cd",
    async run(ctx) {
      const { cdFiles, cdContent, cdLabel } = config.media;
      if (cdFiles.length === 0 && Object.keys(cdContent).length === 0) return {};
      ctx.ui.say("Creating CD disk...");
      made.dir = path.join(ctx.scratchDir, "cd");
      const root = path.join(made.dir, "root");
      await stageMediaFiles("cd_files", cdFiles, ctx.workDir, root);
      await stageMediaContent("cd_content", cdContent, root);
      const cdPath = path.join(made.dir, "cd_files.iso");
      await makeIso(root, cdPath, cdLabel || undefined, ctx.signal, "cd_files");
      await rm(root, { recursive: true, force: true });
      ctx.ui.message(`Done creating CD disk ${cdPath}`);
      return { cdPath };
    },
    async cleanup() {
      if (made.dir) await rm(made.dir, { recursive: true, force: true });
    },
  };
}
