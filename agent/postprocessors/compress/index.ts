import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { availableParallelism } from "node:os";
import type { Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { schema, type Config } from "../../../shared/components/post-processors/compress.js";
import { render } from "../../../shared/template/interpolate/index.js";
import type { PostProcessorPlugin } from "../types.js";
import { tarArchive } from "./tar-archive.js";
import { zipArchive } from "./zip-archive.js";

/**
 * Packer's `compress` post-processor: one archive from the artifact's files (tar, tar.gz, zip),
 * or one compressed file (gz). Everything streams from disk to disk. The input is not kept
 * unless the template says `keep_input_artifact`.
 */
export const plugin: PostProcessorPlugin<Config> = {
  schema,
  async postProcess(ctx, config, input) {
    const data = { ...ctx.generated, BuildName: ctx.build.name, BuilderType: ctx.build.type };
    let output: string;
    try {
      output = render(config.output, { ...ctx.prepare.interpolation, generated: ctx.generated, data });
    } catch (e) {
      throw new Error(`Error interpolating output value: ${(e as Error).message}`);
    }
    const target = resolve(ctx.workDir, output);
    // Packer 1.6.6 writes .gz with pgzip and says so (with GOMAXPROCS cores); Kiln's zlib stream
    // makes the same format, and the messages stay Packer's.
    const compression = config.algorithm === "gzip" ? "pgzip" : "no compression";
    if (config.algorithm === "gzip") ctx.ui.say(`Using pgzip compression with ${availableParallelism()} cores for ${output}`);

    let source: Readable;
    if (config.archive === "tar") {
      ctx.ui.say(`Tarring ${output} with ${compression}`);
      source = tarArchive(input.files.map((f) => resolve(ctx.workDir, f)));
    } else if (config.archive === "zip") {
      ctx.ui.say(`Zipping ${output}`);
      source = await zipArchive(input.files.map((f) => ({ absolute: resolve(ctx.workDir, f), listed: f })));
    } else {
      if (input.files.length !== 1) {
        throw new Error(
          `Can only have 1 input file when not using tar/zip. Found ${input.files.length} files: [${input.files.join(" ")}]`,
        );
      }
      const file = input.files[0]!;
      ctx.ui.say(`Archiving ${file} with ${compression}`);
      source = createReadStream(resolve(ctx.workDir, file));
    }

    try {
      await mkdir(dirname(target), { recursive: true });
    } catch (e) {
      throw new Error(`Unable to create dir for archive ${output}: ${(e as Error).message}`);
    }
    const stages: Array<Readable | Transform | Writable> = [source];
    if (config.algorithm === "gzip") stages.push(createGzip({ level: config.compressionLevel }));
    stages.push(createWriteStream(target));
    try {
      await pipeline(stages, { signal: ctx.signal });
    } catch (e) {
      // A half-written archive is worse than none.
      await rm(target, { force: true });
      source.destroy();
      throw new Error(`Failed to create ${output}: ${(e as Error).message}`);
    }
    ctx.ui.say(`Archive ${output} completed`);
    return {
      artifact: {
        builderId: "packer.post-processor.compress",
        id: "",
        files: [output],
        description: `compressed artifacts in: ${output}`,
      },
      keepInput: false,
    };
  },
};
