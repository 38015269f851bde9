import { appendFile, mkdir, stat } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { schema, type Config } from "../../../shared/components/post-processors/checksum.js";
import { render } from "../../../shared/template/interpolate/index.js";
import type { PostProcessorPlugin } from "../types.js";
import { hashFile } from "./hash-file.js";

/**
 * Packer's `checksum` post-processor: for each type, appends `<hex>\t<file name>` for every input
 * file to the rendered `output` (readable by `sha256sum -c`). The new artifact lists the input's
 * files and the checksum files it created; the input is always kept, since the sums describe it.
 */
export const plugin: PostProcessorPlugin<Config> = {
  schema,
  async postProcess(ctx, config, input) {
    // Packer's new artifact starts with the input's files and adds the sums files it created.
    const files = [...input.files];
    const created: string[] = [];
    for (const type of config.checksumTypes) {
      const data = { ...ctx.generated, BuildName: ctx.build.name, BuilderType: ctx.build.type, ChecksumType: type };
      for (const file of input.files) {
        const checksumFile = render(config.output, { ...ctx.prepare.interpolation, generated: ctx.generated, data });
        const target = resolve(ctx.workDir, checksumFile);
        // Like Packer, a sums file that already existed is appended to but not claimed.
        const existed = await stat(target).then(() => true, () => false);
        if (!existed && !created.includes(checksumFile)) created.push(checksumFile);
        await mkdir(dirname(target), { recursive: true });
        let hex: string;
        try {
          hex = await hashFile(resolve(ctx.workDir, file), type, ctx.signal);
        } catch (e) {
          throw new Error(`unable to compute ${type} hash for ${file}: ${(e as Error).message}`);
        }
        await appendFile(target, `${hex}\t${basename(file)}\n`, { mode: 0o644 });
      }
    }
    return {
      artifact: {
        builderId: "packer.post-processor.checksum",
        id: "",
        files: [...files, ...created],
        description: `Created artifact from files: ${[...files, ...created].join(", ")}`,
      },
      keepInput: true,
      forceKeepInput: true,
    };
  },
};
