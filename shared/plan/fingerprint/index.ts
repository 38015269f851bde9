/**
 * A build's fingerprint: what decides its output, hashed, so that `kiln build -resume` can reuse
 * the artifact of an earlier build with the same fingerprint instead of building again.
 *
 * In it: the build's name and every component's configuration as the template wrote it (before
 * run-time interpolation, so `{{timestamp}}` in an ami_name is the same text each run), the user
 * variables' values, the content of every file the build reads from the template's folder
 * (BuildSpec.files, folders walked), and the content of local ISO/disk images named by absolute
 * path (iso_url, iso_urls; the base image). Left out by design: the run's time and uuid
 * (initTime, runUuid) — and a variable whose value was made from the run's time ({{timestamp}},
 * {{isotime}} in a default) counts by its template, not its value; Kiln's retry policy; the
 * absolute path of the template folder. A variable made with {{uuid}} differs every run and so
 * gives a new fingerprint: that is what such a template asks for.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { prepareContextFor } from "../build-interpolation.js";
import type { BuildSpec } from "../build-spec.js";
import { render } from "../../template/interpolate/index.js";

/** Bumped whenever what goes into a fingerprint changes: old records then never match. */
export const FINGERPRINT_VERSION = 1;

/**
 * Digests of files by path, size and mtime, so a 2 GB base image is read once, not at every
 * build: a caller may keep it across runs (the local store does).
 */
export type DigestCache = Map<string, string>;

export async function buildFingerprint(spec: BuildSpec, templateDir: string, cache: DigestCache = new Map()): Promise<string> {
  const files: Record<string, string> = {};
  for (const rel of [...spec.files].sort()) files[rel] = await pathDigest(resolve(templateDir, rel), cache);
  const media: Record<string, string> = {};
  for (const path of localMediaPaths(spec, templateDir)) media[path] = await pathDigest(path, cache);
  const seconds = String(Math.floor(Date.parse(spec.initTime) / 1000));
  const variables = Object.fromEntries(
    Object.entries(spec.variables).map(([k, v]) => [k, v.split(spec.initTime).join("{{isotime}}").split(seconds).join("{{timestamp}}")]),
  );
  const input = {
    version: FINGERPRINT_VERSION,
    name: spec.name,
    packerBuildName: spec.packerBuildName ?? null,
    builder: spec.builder,
    provisioners: spec.provisioners,
    errorCleanupProvisioner: spec.errorCleanupProvisioner ?? null,
    postProcessorChains: spec.postProcessorChains,
    variables,
    declaredVariables: [...spec.declaredVariables].sort(),
    files,
    media,
  };
  return createHash("sha256").update(canonicalJson(input)).digest("hex");
}

/** JSON with object keys sorted at every level: the same data always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** iso_url / iso_urls values that are local files outside the template folder (base images). */
function localMediaPaths(spec: BuildSpec, templateDir: string): string[] {
  const config = spec.builder.config;
  const raw = [config.iso_url, ...(Array.isArray(config.iso_urls) ? config.iso_urls : [])].filter((v): v is string => typeof v === "string");
  const ctx = prepareContextFor(spec, templateDir).interpolation;
  const paths: string[] = [];
  for (const value of raw) {
    let text: string;
    try {
      text = render(value, ctx);
    } catch {
      continue;
    }
    const path = text.startsWith("file://") ? text.slice("file://".length) : text;
    if (isAbsolute(path)) paths.push(path);
  }
  return paths;
}

/** sha256 of a file; of a folder, of its entries' names and digests; "missing" when absent. */
export async function pathDigest(path: string, cache: DigestCache): Promise<string> {
  let st;
  try {
    st = await stat(path);
  } catch {
    return "missing";
  }
  if (st.isDirectory()) {
    const hash = createHash("sha256");
    for (const name of (await readdir(path)).sort()) hash.update(`${name}\0${await pathDigest(join(path, name), cache)}\n`);
    return `dir:${hash.digest("hex")}`;
  }
  const key = `${path}\0${st.size}\0${st.mtimeMs}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const digest = hash.digest("hex");
  cache.set(key, digest);
  return digest;
}
