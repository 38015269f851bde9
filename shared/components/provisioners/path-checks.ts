/**
 * Packer's validateFileConfig / validateDirConfig, shared by the provisioners that read local
 * files at prepare time (ansible, ansible-local, puppet-masterless): the path must exist and be a
 * file (or a folder), with Packer's messages.
 */
import { statSync, type Stats } from "node:fs";
import path from "node:path";
import type { ConfigReader } from "../config-reader.js";

function statOf(cwd: string, value: string): Stats | undefined {
  try {
    return statSync(path.resolve(cwd, value));
  } catch {
    return undefined;
  }
}

/** `key: value is invalid: stat value: no such file or directory` / `must point to a file`. */
export function checkFile(r: ConfigReader, cwd: string, key: string, value: string | undefined): void {
  if (!value) return;
  const s = statOf(cwd, value);
  if (!s) r.problem(key, `${key}: ${value} is invalid: stat ${value}: no such file or directory`);
  else if (s.isDirectory()) r.problem(key, `${key}: ${value} must point to a file`);
}

export function checkDir(r: ConfigReader, cwd: string, key: string, value: string | undefined): void {
  if (!value) return;
  const s = statOf(cwd, value);
  if (!s) r.problem(key, `${key}: ${value} is invalid: stat ${value}: no such file or directory`);
  else if (!s.isDirectory()) r.problem(key, `${key}: ${value} must point to a directory`);
}
