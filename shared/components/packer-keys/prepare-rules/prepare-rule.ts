/**
 * The PrepareRule type, and the small checks that rules of more than one family are built from:
 * a required setting (with its environment fallback), a file that must exist, Go's ReadFile error
 * texts, a Prepare that ends on one error, and the ISO config that builders booting an ISO share.
 * A check that one family uses stays in that family's file.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { goStatError } from "../../go-stat-error.js";
import { readIsoConfig } from "../../vm-config/iso.js";
import { NO_SHUTDOWN_COMMAND_WARNING } from "../../vm-config/shutdown.js";
import type { ConfigReader } from "../../config-reader.js";
import type { PrepareContext } from "../../types.js";

export type PrepareRule = (r: ConfigReader, ctx: PrepareContext) => void;

/** `key` must be non-empty (after its environment fallback). */
export function required(r: ConfigReader, key: string, message: string, envFallback?: string): string {
  const v = r.string(key, "") || (envFallback ? process.env[envFallback] ?? "" : "");
  if (v === "") r.problem(key, message);
  return v;
}

/** An empty value is fine; a given path must exist (`error`: Go's stat error text, as Packer prints it). */
export function fileMustExist(r: ConfigReader, ctx: PrepareContext, key: string, message: (path: string, error: string) => string): void {
  const path = r.string(key, "");
  if (path === "") return;
  const why = goStatError(resolve(ctx.cwd, path), path);
  if (why) r.problem(key, message(path, why));
}

/** Go's ioutil.ReadFile error text for `shown` ("open x: no such file or directory"), or the content. */
export function goReadFile(absolute: string, shown: string): { content: Buffer } | { error: string } {
  try {
    return { content: readFileSync(absolute) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EISDIR") return { error: `read ${shown}: is a directory` };
    return { error: `open ${shown}: ${code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : (e as Error).message}` };
  }
}

/** A Prepare that returns one error on its own: it replaces every problem of the rules found so far. */
export function onlyProblem(r: ConfigReader, key: string | undefined, message: string): void {
  const decoding = r.problems.filter((p) => p.phase !== undefined);
  r.problems.splice(0, r.problems.length, ...decoding);
  r.problem(key, message);
}

/**
 * Builders that boot an ISO (hyperv-iso, parallels-iso) check it with Packer's ISOConfig
 * (iso_url(s), iso_checksum) and warn as it does, and about a missing shutdown_command.
 */
export const isoBuilder: PrepareRule = (r, ctx) => {
  readIsoConfig(r, ctx.cwd, { warn: ctx.warn });
  if (r.string("shutdown_command", "") === "") ctx.warn?.(NO_SHUTDOWN_COMMAND_WARNING);
};
