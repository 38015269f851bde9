import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { schema, type Config } from "../../../shared/components/provisioners/file.js";
import { render } from "../../../shared/template/interpolate/index.js";
import type { InterpolationContext } from "../../../shared/template/interpolate/context.js";
import type { ProvisionContext } from "../../runner/context.js";
import type { ProvisionerPlugin } from "../types.js";

export const plugin: ProvisionerPlugin<Config> = { schema, provision };

async function provision(ctx: ProvisionContext, config: Config): Promise<void> {
  const interpolation: InterpolationContext = { ...ctx.prepare.interpolation, generated: ctx.generated, data: { ...ctx.generated } };
  const destination = renderField(config.destination, interpolation, "destination");
  const sources = config.sources.map((s) => renderField(s, interpolation, "source"));
  if (config.content !== undefined) sources.push(await writeContentFile(ctx, config.content));
  if (config.direction === "download") {
    for (const src of sources) await downloadOne(ctx, src, destination);
  } else {
    for (const src of sources) await uploadOne(ctx, src, destination);
  }
}

/** Packer writes `content` to a local file named pkr-file-content, then uploads it like a source. */
async function writeContentFile(ctx: ProvisionContext, content: string): Promise<string> {
  const dir = await mkdtemp(path.join(ctx.scratchDir, "file-content-"));
  const file = path.join(dir, "pkr-file-content");
  await writeFile(file, content);
  return file;
}

async function uploadOne(ctx: ProvisionContext, src: string, dst: string): Promise<void> {
  ctx.ui.say(`Uploading ${src} => ${dst}`);
  const local = resolveKeepingSlash(ctx.workDir, src);
  const info = await stat(local);
  try {
    if (info.isDirectory()) {
      // A trailing slash on the source means "its contents" (rsync rules), kept by resolveKeepingSlash.
      await ctx.comm.uploadDir(dst, local);
      return;
    }
    const target = dst.endsWith("/") ? dst + path.basename(local) : dst;
    await ctx.comm.upload(target, createReadStream(local), { mode: info.mode & 0o7777 });
  } catch (e) {
    ctx.ui.error(`Upload failed: ${(e as Error).message}`);
    throw e;
  }
}

async function downloadOne(ctx: ProvisionContext, src: string, dst: string): Promise<void> {
  // The destination is a local file, or a folder when it ends in "/".
  // Packer only recognises a glob ending in "*"; any glob ("*.log") means "the matches" here.
  const many = src.endsWith("/") || /[*?[]/.test(path.posix.basename(src));
  let target = dst;
  let folder = dst;
  if (!dst.endsWith("/")) folder = path.dirname(dst);
  else if (!many) target = path.join(dst, path.posix.basename(src));
  ctx.ui.say(`Downloading ${src} => ${target}`);
  if (folder !== "") await mkdir(path.resolve(ctx.workDir, folder), { recursive: true });
  try {
    if (many) {
      await ctx.comm.downloadDir(src, path.resolve(ctx.workDir, target));
      return;
    }
    await ctx.comm.download(src, createWriteStream(path.resolve(ctx.workDir, target), { mode: 0o644 }));
  } catch (e) {
    ctx.ui.error(`Download failed: ${(e as Error).message}`);
    throw e;
  }
}

function resolveKeepingSlash(base: string, p: string): string {
  const resolved = path.resolve(base, p);
  return p.endsWith("/") && !resolved.endsWith("/") ? resolved + "/" : resolved;
}

function renderField(text: string, interpolation: InterpolationContext, what: string): string {
  try {
    return render(text, interpolation);
  } catch (e) {
    throw new Error(`Error interpolating ${what}: ${(e as Error).message}`);
  }
}
