/** `qemu-img info` of a disk file: its format, virtual size and backing file. */
import { runProgram } from "./run-program.js";

export interface DiskInfo {
  format: string;
  virtualSize: number;
  /** The image it is layered on, when it has one. */
  backingFile?: string;
}

export async function diskInfo(file: string, signal: AbortSignal): Promise<DiskInfo> {
  // -U: a read-only look that does not take QEMU's image lock (the disk may be in use).
  const out = await runProgram("qemu-img", ["info", "-U", "--output=json", file], signal);
  const parsed = JSON.parse(out) as { format?: string; "virtual-size"?: number; "backing-filename"?: string; "full-backing-filename"?: string };
  return {
    format: parsed.format ?? "raw",
    virtualSize: parsed["virtual-size"] ?? 0,
    backingFile: parsed["full-backing-filename"] ?? parsed["backing-filename"],
  };
}

/** Packer's disk_size ("40960M", "2G", "512") in bytes. */
export function diskSizeBytes(size: string): number {
  const m = /^(\d+)([bkmgt]?)$/i.exec(size);
  if (!m) throw new Error(`disk_size: invalid size "${size}"`);
  const power = { "": 2, b: 0, k: 1, m: 2, g: 3, t: 4 }[m[2]!.toLowerCase() as "" | "b" | "k" | "m" | "g" | "t"];
  return Number(m[1]) * 1024 ** power;
}
