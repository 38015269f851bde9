/**
 * Packs what a farm build needs into the gzip-compressed tar that SubmitBuild carries: the
 * template file and the files and folders the planned builds read (BuildSpec.files). Never the
 * `-var-file`s: they hold secrets, and bundles are cached on agents and kept in the object store;
 * their values travel in the request (see submission.ts) and, resolved, in each job's BuildSpec. Not the whole folder: a template's folder usually also holds what earlier
 * builds made (output directories, disk images, a manifest), which would be slow to send and
 * would change what the build does on the agent (a stale manifest appended to, an output
 * directory that "already exists"). The price: a file named only inside an inline command
 * (`inline: ["./setup.sh"]`) is not seen; name it in a `script`/`scripts` key instead.
 */
import { createHash } from "node:crypto";
import { lstatSync, readlinkSync, realpathSync, statSync, type Stats } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import * as tar from "tar";
import type { BuildSpec } from "../../shared/plan/build-spec.js";
import { filesOfBuilds, isInside, referencesOutsideFolder } from "./bundle-files.js";

/** The default limit, as the controller's default `--max-bundle-size`. */
export const DEFAULT_MAX_BUNDLE_BYTES = 1024 ** 3;

export interface BundleInput {
  /** The template file (absolute, or relative to the process's working directory). */
  templateFile: string;
  /** -var-file paths, absolute: left out of the bundle even where a packed folder holds them. */
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

  const secretFiles = new Set(input.varFiles.map((f) => realpathOrExplain(f, "-var-file")));
  for (const root of roots) {
    if (secretFiles.has(join(folder, root))) {
      throw new BundleError(
        `${root} is a -var-file and a file the builds read: var-files never travel in a farm bundle (they hold secrets). ` +
          "Give the builds a copy without secrets, or build locally.",
      );
    }
  }

  const entries: string[] = [];
  let total = 0;
  const problems: string[] = [];
  const filter = (path: string, stat: Stats | tar.ReadEntry): boolean => {
    const where = join(folder, path);
    // A var-file inside a packed folder (an http_directory of ".") stays on this machine.
    if (secretFiles.has(where)) return false;
    if ("isSymbolicLink" in stat && stat.isSymbolicLink()) {
      const target = resolve(dirname(where), readlinkSync(where));
      if (!isInside(target, folder)) problems.push(`${path} is a link to ${target}, outside the template's folder`);
      else if (secretFiles.has(target)) return false;
    }
    total += "isFile" in stat && stat.isFile() ? stat.size : 0;
    entries.push(path);
    return true;
  };
  const chunks: Buffer[] = [];
  // Synchronous packing: the bundle is held in memory for the request anyway.
  const stream = tar.c({ gzip: true, cwd: folder, portable: true, filter, sync: true }, [...roots]);
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  if (problems.length > 0) throw new BundleError(`cannot pack the template's folder for the farm:\n  ${problems.join("\n  ")}`);
  const tgz = Buffer.concat(chunks);
  if (total > input.maxBytes || tgz.length > input.maxBytes) {
    throw new BundleError(
      `the files this template's builds need add up to ${total} bytes (${tgz.length} compressed), over the bundle limit of ${input.maxBytes} bytes: ` +
        "keep large inputs (ISOs, disk images) on the agents' hosts and refer to them by absolute path or URL, or raise --max-bundle-size (and the controller's)",
    );
  }
  return { tgz, templatePath, entries: [...new Set(entries)], sha256: createHash("sha256").update(tgz).digest("hex") };
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
