/**
 * VMware virtual disks made and maintained with qemu-img, as vmware-vdiskmanager would:
 * -c creates one of VMware's hosted disk types (0 monolithicSparse, 1 twoGbMaxExtentSparse,
 * 2 monolithicFlat, 3 twoGbMaxExtentFlat, 5 streamOptimized; 4 and 6 are ESX disks, refused).
 * -d (defragment) and -k (shrink) are approximated honestly by one operation: qemu-img convert
 * rewrites the disk with the same type and adapter, grains in order (what defragmenting
 * achieves) and all-zero grains left unallocated (what shrinking reclaims). Unlike VMware's
 * shrink it does not look inside the guest's file systems: only blocks that are zero shrink.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readdirSync, readSync, closeSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { NOT_IMPLEMENTED, StandInError } from "./product.js";

const run = promisify(execFile);

export const DISK_TYPES: Readonly<Record<string, string>> = {
  "0": "monolithicSparse",
  "1": "twoGbMaxExtentSparse",
  "2": "monolithicFlat",
  "3": "twoGbMaxExtentFlat",
  "5": "streamOptimized",
};

/** vmware-vdiskmanager's own list: "Pass lsilogic for other adapter types." */
export const ADAPTER_TYPES = ["ide", "buslogic", "lsilogic"] as const;

/** "40000M", "10GB", "512Mb" -> qemu-img's "40000M", "10G", "512M". */
export function parseDiskSize(size: string): string {
  const m = /^(\d+)\s*([KMG])B?$/i.exec(size.trim());
  if (!m || Number(m[1]) === 0) throw new StandInError(`Invalid disk size "${size}": use a number with KB, MB or GB`);
  return `${m[1]}${m[2]!.toUpperCase()}`;
}

async function qemuImg(args: string[]): Promise<string> {
  try {
    return (await run("qemu-img", args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (e) {
    throw new StandInError(`qemu-img ${args[0]} failed: ${((e as { stderr?: string }).stderr ?? (e as Error).message).trim()}`);
  }
}

export async function createDisk(path: string, size: string, adapter: string, typeId: string): Promise<void> {
  if (!(ADAPTER_TYPES as readonly string[]).includes(adapter)) {
    throw new StandInError(`Invalid adapter type "${adapter}": vmware-vdiskmanager accepts ide, buslogic or lsilogic (pass lsilogic for other adapter types)`);
  }
  const subformat = DISK_TYPES[typeId];
  if (!subformat) {
    throw new StandInError(typeId === "4" || typeId === "6" ? `disk type ${typeId} is an ESX disk, ${NOT_IMPLEMENTED}` : `Invalid disk type "${typeId}" (0-6)`);
  }
  if (existsSync(path)) throw new StandInError(`Failed to create virtual disk: The file already exists (${path})`);
  await qemuImg(["create", "-q", "-f", "vmdk", "-o", `subformat=${subformat},adapter_type=${adapter}`, path, parseDiskSize(size)]);
}

interface VmdkInfo {
  createType: string;
  adapterType: string;
  extents: string[];
}

/** The disk's type, adapter and extent files, from qemu-img and its descriptor. */
export async function vmdkInfo(path: string): Promise<VmdkInfo> {
  const info = JSON.parse(await qemuImg(["info", "--output=json", "-f", "vmdk", path])) as {
    "format-specific"?: { data?: { "create-type"?: string; extents?: { filename: string }[] } };
  };
  const data = info["format-specific"]?.data;
  // The descriptor is text: a file of its own, or embedded in the first sectors of a sparse extent.
  const fd = openSync(path, "r");
  const head = Buffer.alloc(64 * 1024);
  const n = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  const adapterType = /ddb\.adapterType\s*=\s*"([^"]+)"/.exec(head.subarray(0, n).toString("latin1"))?.[1] ?? "ide";
  return {
    createType: data?.["create-type"] ?? "monolithicSparse",
    adapterType,
    extents: (data?.extents ?? []).map((e) => e.filename),
  };
}

/** Rewrites the disk in place, same type and adapter (see the header for what that stands for). */
export async function rewriteDisk(path: string): Promise<void> {
  const info = await vmdkInfo(path);
  const dir = dirname(path);
  const work = mkdtempSync(join(dir, ".vdiskmanager-"));
  try {
    await qemuImg(["convert", "-f", "vmdk", "-O", "vmdk", "-o", `subformat=${info.createType},adapter_type=${info.adapterType}`, path, join(work, basename(path))]);
    for (const extent of info.extents) if (extent !== path) rmSync(extent, { force: true });
    rmSync(path, { force: true });
    for (const name of readdirSync(work)) renameSync(join(work, name), join(dir, name));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
