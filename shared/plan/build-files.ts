import { isAbsolute, relative, resolve, sep } from "node:path";
import { InterpolationError, render } from "../template/interpolate/index.js";
import type { InterpolationContext } from "../template/interpolate/context.js";
import type { RawComponent } from "../components/raw-component.js";
import { foldedValue } from "../template/key-fold.js";

/**
 * Configuration keys whose value is a local file or folder the build reads, whatever the
 * component type (the key names are Packer's, shared by many plugins): shell scripts, files to
 * upload, the HTTP directory, floppy and CD contents, local ISOs and checksum files, playbooks.
 *
 * The rule for `BuildSpec.files`: a value counts when, after interpolation, it is a relative path
 * (or a `file:` URL to one) that stays inside the template's folder once resolved against the
 * working directory (Packer resolves relative paths against the working directory). Absolute
 * paths, URLs of other schemes, paths leaving the folder, and values that cannot be interpolated
 * yet are left out. For a glob (`floppy_files: ["files/*.cfg"]`) the folder before the first
 * wildcard is listed. Private keys (`ssh_private_key_file`, …) are never listed: they are secrets
 * and stay on the machine that has them.
 */
const PATH_KEYS = [
  "script", "source", "http_directory", "iso_url", "source_path", "vagrantfile_template",
  "playbook_file", "playbook_dir", "galaxy_file", "inventory_file", "inventory_directory",
  "user_data_file", "manifest_file", "hiera_config_path", "minion_config", "local_state_tree",
  "profile", "config_template",
] as const;
const PATH_LIST_KEYS = [
  "scripts", "sources", "floppy_files", "floppy_dirs", "cd_files", "iso_urls", "include",
  "role_paths", "playbook_paths", "module_paths", "cookbook_paths", "local_pillar_roots", "attributes",
] as const;
/** Keys holding `file:PATH` among other forms (`sha256:…`, `none`, a URL). */
const CHECKSUM_KEYS = ["iso_checksum", "iso_checksum_url"] as const;

export interface FileScanContext {
  interpolation: InterpolationContext;
  templateDir: string;
  cwd: string;
}

/** The relative paths, inside the template's folder, that one component reads. */
export function filesOfComponent(raw: RawComponent, ctx: FileScanContext): string[] {
  // Keys as the component's decoder finds them: "Script" is script.
  const value = (key: string): unknown => foldedValue(raw.config, key);
  const values: string[] = [];
  const remoteSource = raw.type === "file" && value("direction") === "download";
  for (const key of PATH_KEYS) {
    if (remoteSource && key === "source") continue;
    const v = value(key);
    if (typeof v === "string") values.push(v);
  }
  for (const key of PATH_LIST_KEYS) {
    if (remoteSource && key === "sources") continue;
    const v = value(key);
    if (typeof v === "string") values.push(v);
    if (Array.isArray(v)) for (const item of v) if (typeof item === "string") values.push(item);
  }
  for (const key of CHECKSUM_KEYS) {
    const v = value(key);
    if (typeof v === "string" && /^file:/i.test(v)) values.push(v);
  }
  return values.flatMap((v) => {
    const path = localPath(v, ctx);
    return path === undefined ? [] : [path];
  });
}

function localPath(value: string, ctx: FileScanContext): string | undefined {
  let text: string;
  try {
    text = render(value, ctx.interpolation);
  } catch (e) {
    if (e instanceof InterpolationError) return undefined;
    throw e;
  }
  if (text === "" || text.includes("{{")) return undefined;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(text);
  if (scheme || text.includes("::")) {
    if (scheme?.[1].toLowerCase() !== "file") return undefined;
    text = text.slice("file:".length);
    if (text.startsWith("//")) return undefined; // file:///abs or file://host/…: absolute
  }
  text = text.replace(/[?#].*$/, "");
  if (text === "" || isAbsolute(text) || text.startsWith("~")) return undefined;
  const globAt = text.search(/[*?[{]/);
  if (globAt >= 0) text = text.slice(0, text.lastIndexOf("/", globAt) + 1) || ".";
  const rel = relative(ctx.templateDir, resolve(ctx.cwd, text));
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel === "" ? "." : rel;
}
