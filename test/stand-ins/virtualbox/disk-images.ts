/**
 * Disk images through qemu-img: VirtualBox's VDI, VMDK and VHD are formats QEMU reads and writes
 * (`vdi`, `vmdk`, `vpc`), so media made here are real files either program could open.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { notImplemented, VBoxManageError } from "./errors.js";

const run = promisify(execFile);

export type VBoxDiskFormat = "VDI" | "VMDK" | "VHD";

const qemuFormat: Record<VBoxDiskFormat, string> = { VDI: "vdi", VMDK: "vmdk", VHD: "vpc" };

async function qemuImg(args: string[]): Promise<string> {
  try {
    return (await run("qemu-img", args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new VBoxManageError(`qemu-img ${args.join(" ")} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

/** `variant` is VirtualBox's --variant: Standard (dynamically allocated) or Fixed. */
export async function createDisk(path: string, format: VBoxDiskFormat, sizeBytes: number, variant: "Standard" | "Fixed"): Promise<void> {
  const opts: string[] = [];
  if (variant === "Fixed") {
    if (format === "VDI") opts.push("static=on");
    else if (format === "VMDK") opts.push("subformat=monolithicFlat");
    else opts.push("subformat=fixed");
  } else if (format === "VHD") opts.push("subformat=dynamic");
  await qemuImg(["create", "-q", "-f", qemuFormat[format], ...(opts.length ? ["-o", opts.join(",")] : []), path, String(sizeBytes)]);
}

export interface DiskInfo {
  /** QEMU's format name (vdi, vmdk, vpc, raw, qcow2, ...). */
  format: string;
  virtualSize: number;
  actualSize: number;
}

export async function diskInfo(path: string): Promise<DiskInfo> {
  const info = JSON.parse(await qemuImg(["info", "--output=json", "-U", path])) as { format: string; "virtual-size": number; "actual-size"?: number };
  return { format: info.format, virtualSize: info["virtual-size"], actualSize: info["actual-size"] ?? 0 };
}

/** The VirtualBox format name of a hard disk image; refuses formats VirtualBox would not attach as a hard disk here. */
export function vboxFormatOf(qemuFormatName: string, path: string): VBoxDiskFormat {
  const hit = (Object.keys(qemuFormat) as VBoxDiskFormat[]).find((k) => qemuFormat[k] === qemuFormatName);
  if (!hit) throw notImplemented(`hard disk image ${path} in format ${qemuFormatName} (the stand-in attaches VDI, VMDK and VHD)`);
  return hit;
}

/** Copies a disk into another format; `streamOptimized` makes the compressed VMDK that OVF packages carry. */
export async function convertDisk(src: string, dest: string, format: VBoxDiskFormat, opts: { streamOptimized?: boolean } = {}): Promise<void> {
  const o = opts.streamOptimized ? ["-o", "subformat=streamOptimized"] : [];
  await qemuImg(["convert", "-q", "-O", qemuFormat[format], ...o, src, dest]);
}
