/**
 * Filesystem functions. Relative paths are relative to the template's directory (`baseDir`,
 * Packer's path.root) except abspath, which like Go's filepath.Abs uses the working directory.
 * Paths are handled with Go's path/filepath semantics (Clean, Base, Dir), not Node's.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import picomatch from "picomatch";
import type { HclFunction, Value } from "../contract.js";
import { defineFunction, fail } from "./function-spec.js";
import { boolType, boolVal, setType, setVal, stringType, stringVal } from "../value/index.js";

const text = (v: Value | undefined): string => (v as { value: string }).value;

/** Go's filepath.Clean (Unix). */
export function goClean(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  if (rooted) return "/" + joined;
  return joined === "" ? "." : joined;
}

export function goBase(p: string): string {
  if (p === "") return ".";
  const trimmed = p.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

export function goDir(p: string): string {
  const i = p.lastIndexOf("/");
  return goClean(p.slice(0, i + 1));
}

/** mitchellh/go-homedir's Expand. */
function expandHome(p: string): string {
  if (!p.startsWith("~")) return p;
  if (p.length > 1 && p[1] !== "/" && p[1] !== "\\") fail("failed to expand ~: cannot expand user-specific home dir");
  return path.join(process.env.HOME || homedir(), p.slice(1));
}

function resolveIn(baseDir: string, p: string): string {
  const expanded = expandHome(p);
  return goClean(expanded.startsWith("/") ? expanded : path.join(baseDir, expanded));
}

function readFileBytes(baseDir: string, p: string): Buffer {
  const full = resolveIn(baseDir, p);
  try {
    return readFileSync(full);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") fail(`no file exists at ${full}`);
    fail(`failed to read ${full}`);
  }
}

function walkFiles(root: string, rel = ""): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(path.join(root, rel), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const r = rel === "" ? e.name : `${rel}/${e.name}`;
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      try {
        const st = statSync(path.join(root, r));
        isDir = st.isDirectory();
        isFile = st.isFile();
      } catch {
        continue;
      }
    }
    if (isFile) out.push(r);
    else if (isDir) out.push(...walkFiles(root, r));
  }
  return out;
}

const pathFunction = (f: (p: string) => string): HclFunction =>
  defineFunction({ params: [{ name: "path", type: stringType }], returnType: stringType, impl: ([p]) => stringVal(f(text(p))) });

const fileDigest = (baseDir: string, algorithm: string, encoding: "hex" | "base64"): HclFunction =>
  defineFunction({ params: [{ name: "path", type: stringType }], returnType: stringType, impl: ([p]) => stringVal(createHash(algorithm).update(readFileBytes(baseDir, text(p))).digest(encoding)) });

export function filesystemFunctions(baseDir: string): Record<string, HclFunction> {
  return {
    file: defineFunction({
      params: [{ name: "path", type: stringType }],
      returnType: stringType,
      impl([p]) {
        const bytes = readFileBytes(baseDir, text(p));
        try {
          return stringVal(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
        } catch {
          fail(`contents of ${text(p)} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead`);
        }
      },
    }),
    filebase64: defineFunction({ params: [{ name: "path", type: stringType }], returnType: stringType, impl: ([p]) => stringVal(readFileBytes(baseDir, text(p)).toString("base64")) }),
    fileexists: defineFunction({
      params: [{ name: "path", type: stringType }],
      returnType: boolType,
      impl([p]) {
        const full = resolveIn(baseDir, text(p));
        let st;
        try {
          st = statSync(full);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return boolVal(false);
          fail(`failed to stat ${full}`);
        }
        if (st.isFile()) return boolVal(true);
        fail(`${full} is not a regular file, but ${JSON.stringify(st.isDirectory() ? "d" + modeString(st.mode) : modeString(st.mode))}`);
      },
    }),
    fileset: defineFunction({
      params: [
        { name: "path", type: stringType },
        { name: "pattern", type: stringType },
      ],
      returnType: setType(stringType),
      impl([p, pat]) {
        const root = goClean(text(p).startsWith("/") ? text(p) : path.join(baseDir, text(p)));
        const pattern = goClean(text(pat));
        let isMatch: (s: string) => boolean;
        try {
          isMatch = picomatch(pattern, { dot: true, noextglob: true, nonegate: true });
        } catch (e) {
          fail(`failed to glob pattern (${path.join(root, pattern)}): ${(e as Error).message}`);
        }
        return setVal(walkFiles(root).filter((r) => isMatch(r)).map(stringVal), stringType);
      },
    }),
    filemd5: fileDigest(baseDir, "md5", "hex"),
    filesha1: fileDigest(baseDir, "sha1", "hex"),
    filesha256: fileDigest(baseDir, "sha256", "hex"),
    filesha512: fileDigest(baseDir, "sha512", "hex"),
    filebase64sha256: fileDigest(baseDir, "sha256", "base64"),
    filebase64sha512: fileDigest(baseDir, "sha512", "base64"),
    abspath: pathFunction((p) => goClean(p.startsWith("/") ? p : path.join(process.cwd(), p))),
    dirname: pathFunction(goDir),
    basename: pathFunction(goBase),
    pathexpand: pathFunction(expandHome),
  };
}

/** Go's FileMode.String() permission bits, e.g. "rwxr-xr-x". */
function modeString(mode: number): string {
  const chars = "rwxrwxrwx";
  let out = "";
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? chars[i] : "-";
  return out;
}
