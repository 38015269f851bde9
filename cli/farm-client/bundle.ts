/**
 * Packs what a farm build needs into the gzip-compressed tar that SubmitBuild carries: the
 * template file, its var-files, and the files and folders the planned builds read
 * (BuildSpec.files). Not the whole folder: a template's folder usually also holds what earlier
 * builds made (output directories, disk images, a manifest), which would be slow to send and
 * would change what the build does on the agent (a stale manifest appended to, an output
 * directory that "already exists"). The price: a file named only inside an inline command
 * (`inline: ["./setup.sh"]`) is not seen; name it in a `script`/`scripts` key instead.
 */
import { createHash } from "node:crypto";
import { lstatSync, readlinkSync, realpathSync, statSync, type Stats } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import * as tar from "tar";
import type { BuildSpec } from "../../shared/plan/build-spec.js";
import { filesOfBuilds, isInside, referencesOutsideFolder } from "./bundle-files.js";

/** Where var-files from outside the template's folder go inside the bundle. */
export const OUTSIDE_VAR_FILES_DIR = ".kiln-var-files";

/** The default limit, as the controller's default `--max-bundle-size`. */
export const DEFAULT_MAX_BUNDLE_BYTES = 1024 ** 3;

export interface BundleInput {
  /** The template file (absolute, or relative to the process's working directory). */
  templateFile: string;
  /** -var-file paths, absolute, in command-line order. */
  varFiles: readonly string[];
  /** The builds as planned on this machine (with the template's folder as working directory). */
  specs: readonly BuildSpec[];
  /** Refuse a bundle whose files add up to more than this many bytes. */
  maxBytes: number;
}

export interface Bundle {
  tgz: Buffer;
  /** The template's path inside the bundle, "/"-separated. */
  templatePath: string;
  /** The var-files' paths inside the bundle, in command-line order. */
  varFiles: string[];
  /** Every entry packed, for messages and tests. */
  entries: string[];
  sha256: string;
}

export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BundleError";
  }
}

export async function packBundle(input: BundleInput): Promise<Bundle> {
  const templateFile = resolve(input.templateFile);
  const folder = realpathSync(dirname(templateFile));
  const outside = referencesOutsideFolder(input.specs, folder);
  if (outside.length > 0) {
    const list = outside.map((r) => `  ${r.build}: ${r.path}`).join("\n");
    throw new BundleError(
      `a farm build can only use files under its template's folder (${folder}), but these are outside it:\n${list}\n` +
        "Move them into the template's folder (and refer to them with paths relative to it), or build locally.",
    );
  }

  const templatePath = toBundlePath(relative(folder, realpathSync(templateFile)));
  const roots = new Set<string>([templatePath]);
  for (const f of filesOfBuilds(input.specs)) {
    // A file the plan names but nobody made yet is left to the build (and its validation) to report.
    if (exists(join(folder, f))) roots.add(toBundlePath(f));
  }

  const staging = await mkdtemp(join(tmpdir(), "kiln-bundle-"));
  try {
    const varFiles: string[] = [];
    const outsideVarFiles: string[] = [];
    for (const [i, file] of input.varFiles.entries()) {
      const real = realpathOrExplain(file, "-var-file");
      if (isInside(real, folder)) {
        const p = toBundlePath(relative(folder, real));
        roots.add(p);
        varFiles.push(p);
      } else {
        // Var-files are read by the controller when it plans, not by the build: any path is fine.
        const p = `${OUTSIDE_VAR_FILES_DIR}/${i}-${basename(real)}`;
        await mkdir(join(staging, OUTSIDE_VAR_FILES_DIR), { recursive: true });
        await copyFile(real, join(staging, p));
        outsideVarFiles.push(p);
        varFiles.push(p);
      }
    }

    const entries: string[] = [];
    let total = 0;
    const problems: string[] = [];
    const filter = (path: string, stat: Stats | tar.ReadEntry): boolean => {
      const where = path.startsWith(OUTSIDE_VAR_FILES_DIR) ? join(staging, path) : join(folder, path);
      if ("isSymbolicLink" in stat && stat.isSymbolicLink()) {
        const target = resolve(dirname(where), readlinkSync(where));
        if (!isInside(target, folder)) problems.push(`${path} is a link to ${target}, outside the template's folder`);
      }
      total += "isFile" in stat && stat.isFile() ? stat.size : 0;
      entries.push(path);
      return true;
    };
    const parts = [...roots];
    if (outsideVarFiles.length > 0) {
      const extra = join(staging, "var-files.tar");
      tar.c({ file: extra, cwd: staging, portable: true, filter, sync: true }, outsideVarFiles);
      parts.push(`@${extra}`);
    }
    const chunks: Buffer[] = [];
    // Synchronous packing: node-tar's async mode stalls on an `@archive` entry (the staged
    // var-files), and the bundle is held in memory for the request anyway.
    const stream = tar.c({ gzip: true, cwd: folder, portable: true, filter, sync: true }, parts);
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
    if (problems.length > 0) throw new BundleError(`cannot pack the template's folder for the farm:\n  ${problems.join("\n  ")}`);
    const tgz = Buffer.concat(chunks);
    if (total > input.maxBytes || tgz.length > input.maxBytes) {
      throw new BundleError(
        `the files this template's builds need add up to ${total} bytes (${tgz.length} compressed), over the bundle limit of ${input.maxBytes} bytes: ` +
          "keep large inputs (ISOs, disk images) on the agents' hosts and refer to them by absolute path or URL, or raise --max-bundle-size (and the controller's)",
      );
    }
    return { tgz, templatePath, varFiles, entries: [...new Set(entries)], sha256: createHash("sha256").update(tgz).digest("hex") };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function toBundlePath(rel: string): string {
  return rel.split(sep).join("/") || ".";
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function realpathOrExplain(file: string, flag: string): string {
  try {
    statSync(file);
    return realpathSync(file);
  } catch (e) {
    throw new BundleError(`${flag} ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
