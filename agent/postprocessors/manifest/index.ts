import { readFile, stat, writeFile } from "node:fs/promises";
import { goErrnoText } from "../../../shared/components/go-stat-error.js";
import { basename, resolve } from "node:path";
import { schema, type Config } from "../../../shared/components/post-processors/manifest.js";
import { render } from "../../../shared/template/interpolate/index.js";
import type { PostProcessorPlugin } from "../types.js";
import { MANIFEST_ARTIFACT_BUILDER_ID } from "../../../shared/bus/messages.js";
import { formatManifest, parseManifest, type ManifestBuild, type ManifestFile } from "./manifest-file.js";
import { withManifestLock } from "./manifest-lock.js";

/**
 * Packer's `manifest` post-processor: appends this build's artifact to a JSON manifest and passes
 * the artifact on, always kept. What it needs from the runner: `ctx.build` (name, builder type)
 * and `ctx.generated.PackerRunUUID` (falls back to the PACKER_RUN_UUID environment variable, as
 * Packer reads it). With `-force` (`packer_force` in the config) a manifest from another run is
 * started afresh instead of appended to.
 */
export const plugin: PostProcessorPlugin<Config> = {
  schema,
  async postProcess(ctx, config, input) {
    const runUuid = ctx.generated.PackerRunUUID ?? process.env.PACKER_RUN_UUID ?? "";
    const dotData = { ...ctx.generated };
    const customData =
      config.customData === undefined
        ? null
        : Object.fromEntries(
            Object.entries(config.customData).map(([k, v]) => {
              try {
                return [k, render(v, { ...ctx.prepare.interpolation, generated: ctx.generated, data: dotData })];
              } catch (e) {
                throw new Error(`Error interpolating custom data: ${(e as Error).message}`);
              }
            }),
          );
    const files: ManifestBuild["files"] =
      input.files.length === 0
        ? null
        : await Promise.all(
            input.files.map(async (name) => ({
              name: config.stripPath ? goBase(name) : name,
              // Like Packer: a file that cannot be read (an empty path among them) is listed with size 0.
              size: name === "" ? 0 : await stat(resolve(ctx.workDir, name)).then((s) => s.size, () => 0),
            })),
          );
    const entry: ManifestBuild = {
      name: ctx.build.name,
      builder_type: ctx.build.type,
      build_time: config.stripTime ? 0 : Math.floor(Date.now() / 1000),
      files,
      artifact_id: input.id,
      packer_run_uuid: runUuid,
      custom_data: customData,
      // Kiln's addition, only for builds with retries: scripts reading Packer's keys are unaffected.
      ...(ctx.attempt !== undefined ? { kiln_attempts: ctx.attempt } : {}),
    };

    const path = resolve(ctx.workDir, config.output);
    await withManifestLock(path, async () => {
      let text = "";
      try {
        text = await readFile(path, "utf8");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`Unable to open ${config.output} for reading: ${(e as Error).message}`);
      }
      let manifest: ManifestFile = text.length > 0 ? parseManifest(text, config.output) : { builds: null, last_run_uuid: "" };
      if (config.force && manifest.last_run_uuid !== runUuid) manifest = { builds: null, last_run_uuid: "" };
      manifest = { builds: [...(manifest.builds ?? []), entry], last_run_uuid: runUuid };
      try {
        await writeFile(path, formatManifest(manifest), { mode: 0o664 });
      } catch (e) {
        // Go's os.PathError, as Packer's ioutil.WriteFile reports it.
        throw new Error(`Unable to write ${config.output}: open ${config.output}: ${goErrnoText(e)}`);
      }
    });
    return { artifact: input, keepInput: true, forceKeepInput: true };
  },
  // A farm build's manifests come back to the client, which merges every job's into one file,
  // as a local build of the whole template would have written.
  extraOutputs: (config) => [{ builderId: MANIFEST_ARTIFACT_BUILDER_ID, file: config.output, description: `Manifest: ${config.output}` }],
};

/** Go's filepath.Base: "." for an empty path, "/" for slashes alone, trailing slashes ignored. */
function goBase(name: string): string {
  if (name === "") return ".";
  const trimmed = name.replace(/\/+$/, "");
  return trimmed === "" ? "/" : basename(trimmed);
}
