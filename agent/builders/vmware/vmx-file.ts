/**
 * .vmx files as Packer reads and writes them (builder/vmware/common/vmx.go): `key = "value"`
 * lines, keys lower-cased on read, written back sorted and quoted. VMware itself ignores key
 * case; keeping Packer's form keeps the files Kiln writes byte-comparable with Packer's.
 */
import { readFile, writeFile } from "node:fs/promises";

export type VmxData = Map<string, string>;

const LINE = /^(.+?)\s*=\s*"?(.*?)"?\s*$/;

/** Keys (fragments) written without quotes, and the case they are written in (VMware wants `virtualSSD = 1`). */
const UNQUOTED_FRAGMENT = ".virtualssd";
const CASED_FRAGMENT = ".virtualSSD";

export function parseVmx(text: string): VmxData {
  const data: VmxData = new Map();
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (m) data.set(m[1]!.toLowerCase(), m[2]!);
  }
  return data;
}

export function encodeVmx(data: VmxData): string {
  const keys = [...data.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return keys
    .map((k) => {
      const key = k.replace(UNQUOTED_FRAGMENT, CASED_FRAGMENT);
      return k.includes(UNQUOTED_FRAGMENT) ? `${key} = ${data.get(k)}\n` : `${key} = "${data.get(k)}"\n`;
    })
    .join("");
}

export async function readVmx(file: string): Promise<VmxData> {
  return parseVmx(await readFile(file, "utf8"));
}

export async function writeVmx(file: string, data: VmxData): Promise<void> {
  await writeFile(file, encodeVmx(data));
}
