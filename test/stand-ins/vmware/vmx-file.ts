/**
 * The .vmx file format: one `key = "value"` per line, `#` comments, keys case-insensitive (packer
 * lowercases them all; VMware writes mixed case). Values are quoted; VMware escapes a few
 * characters as `|XX` hex, which nothing Kiln writes needs, so such values are refused.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { StandInError } from "./product.js";

/** The keys of a .vmx, lowercased, each with its value; the last of duplicate keys wins (as VMware reads it). */
export type VmxEntries = Map<string, string>;

const LINE = /^([A-Za-z0-9_.:\-]+)\s*=\s*(?:"([^"]*)"|([^\s"#]*))\s*$/;

export function parseVmx(text: string, file: string): VmxEntries {
  const entries: VmxEntries = new Map();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const m = LINE.exec(line);
    if (!m) throw new StandInError(`${file}:${i + 1}: not a vmx line (key = "value"): ${JSON.stringify(raw)}`);
    const value = m[2] ?? m[3] ?? "";
    if (/\|[0-9A-Fa-f]{2}/.test(value)) throw new StandInError(`${file}:${i + 1}: |XX escapes in vmx values are not implemented by Kiln's vmrun stand-in: ${raw}`);
    entries.set(m[1]!.toLowerCase(), value);
  });
  return entries;
}

export function readVmx(file: string): VmxEntries {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new StandInError(`Cannot open VM: ${file}, ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "The virtual machine cannot be found" : (e as Error).message}`);
  }
  return parseVmx(text, file);
}

export function formatVmx(entries: VmxEntries): string {
  return [...entries].map(([k, v]) => `${k} = "${v}"\n`).join("");
}

/** Sets keys in place, keeping every other line (and its case) as it was; new keys go at the end. */
export function updateVmx(file: string, updates: Record<string, string>): void {
  const pending = new Map(Object.entries(updates).map(([k, v]) => [k.toLowerCase(), { key: k, value: v }]));
  const lines = readFileSync(file, "utf8").split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  const out = lines.map((line) => {
    const m = LINE.exec(line.trim());
    const update = m ? pending.get(m[1]!.toLowerCase()) : undefined;
    if (!m || !update) return line;
    pending.delete(m[1]!.toLowerCase());
    return `${m[1]} = "${update.value}"`;
  });
  for (const { key, value } of pending.values()) out.push(`${key} = "${value}"`);
  writeFileSync(file, out.join("\n") + "\n");
}
