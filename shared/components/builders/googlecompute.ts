import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigReader } from "../config-reader.js";
import type { BuilderSchema } from "../types.js";
import { readCommunicatorConfig, type CommunicatorConfig } from "../communicator/ssh.js";

/**
 * Packer's `googlecompute` builder, validated but not run by Kiln yet. Lenient: keys not listed
 * here are accepted unchecked.
 */
export interface Config {
  projectId: string;
  zone: string;
  sourceImage?: string;
  sourceImageFamily?: string;
  imageName: string;
  accountFile?: string;
  communicator: CommunicatorConfig;
}

/** googlecompute's `clean_resource_name`: lower case, `-` for anything else, 63 characters. */
export function cleanGceName(name: unknown): string {
  return String(name).toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 63);
}

const NAME_RE = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const schema: BuilderSchema<Config> = {
  kind: "builder",
  type: "googlecompute",
  needs: ["gcp"],
  prepare(raw, ctx) {
    const funcs = { ...ctx.interpolation.funcs, clean_resource_name: cleanGceName };
    const r = new ConfigReader(raw, { kind: "builder", interpolation: { ...ctx.interpolation, funcs }, partial: true, renderLater: ["startup_script_file"] });
    const communicator = readCommunicatorConfig(r, { cwd: ctx.cwd });
    const imageName = r.string("image_name", "") || `packer-${Math.floor(ctx.interpolation.initTime.getTime() / 1000)}`;
    if (!NAME_RE.test(imageName)) r.problem("image_name", `Invalid image name "${imageName}": must match regex ${NAME_RE.source}`);
    const imageFamily = r.string("image_family", "");
    if (imageFamily !== "" && !NAME_RE.test(imageFamily)) r.problem("image_family", `Invalid image family "${imageFamily}": must match regex ${NAME_RE.source}`);
    const projectId = r.string("project_id", "");
    if (projectId === "") r.problem("project_id", "a project_id must be specified");
    const sourceImage = r.string("source_image") || undefined;
    const sourceImageFamily = r.string("source_image_family") || undefined;
    if (!sourceImage && !sourceImageFamily) r.problem("source_image", "a source_image or source_image_family must be specified");
    const zone = r.string("zone", "");
    if (zone === "") r.problem("zone", "a zone must be specified");
    const accountFile = r.string("account_file") || undefined;
    if (accountFile && !accountFile.trimStart().startsWith("{") && !existsSync(resolve(ctx.cwd, accountFile))) {
      r.problem("account_file", `account_file path does not exist: ${accountFile}`);
    }
    r.finish();
    return { projectId, zone, sourceImage, sourceImageFamily, imageName, accountFile, communicator };
  },
};
