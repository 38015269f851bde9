/** `qemu-img info` of a disk file: its format and virtual size. */
import { runProgram } from "./run-program.js";

export interface DiskInfo {
  format: string;
  virtualSize: number;
}

export async function diskInfo(file: string, signal: AbortSignal): Promise<DiskInfo> {
  const out = await runProgram("qemu-img", ["info", "--output=json", file], signal);
  const parsed = JSON.parse(out) as { format?: string; "virtual-size"?: number };
  return { format: parsed.format ?? "raw", virtualSize: parsed["virtual-size"] ?? 0 };
}

/** Packer's disk_size ("40960M", "2G", "512") in bytes. */
export function diskSizeBytes(size: string): number {
  const m = /^(\d+)([bkmgt]?)$/i.exec(size);
  if (!m) throw new Error(`disk_size: invalid size "${size}"`);
  const power = { "": 2, b: 0, k: 1, m: 2, g: 3, t: 4 }[m[2]!.toLowerCase() as "" | "b" | "k" | "m" | "g" | "t"];
  return Number(m[1]) * 1024 ** power;
}
