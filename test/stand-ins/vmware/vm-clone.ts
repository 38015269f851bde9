/**
 * `vmrun clone SRC DST full|linked`: a new VM folder with a copy of the .vmx and of each virtual
 * disk, named `<disk>-cl1.vmdk` as Workstation names clone disks. A full clone converts each disk
 * (same type and adapter); a linked clone makes a delta disk whose parent is the source disk
 * (Workstation would also want a snapshot of the source, which the stand-in does not keep).
 * The clone is a new machine: `Clone of <name>`, no generated MAC or BIOS UUID of its own yet,
 * and paths the source gave relative to its folder made absolute.
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { StandInError } from "./product.js";
import { runningVm } from "./vm-registry.js";
import { formatVmx, readVmx } from "./vmx-file.js";
import { vmdkInfo } from "./vmdk-disk.js";

const DISK_FILE = /^(scsi|sata|ide|nvme)\d+:\d{1,2}\.filename$/;
const FILE_KEYS = /^((scsi|sata|ide|nvme)\d+:\d{1,2}|floppy\d+|serial\d+)\.filename$/;

export async function cloneVm(src: string, dst: string, kind: "full" | "linked", cloneName: string | undefined): Promise<void> {
  if (!existsSync(src)) throw new StandInError(`Cannot open VM: ${src}, The virtual machine cannot be found`);
  if (runningVm(src)) throw new StandInError(`The virtual machine must be powered off to be cloned by the stand-in: ${src}`);
  if (existsSync(dst)) throw new StandInError(`The destination file already exists: ${dst}`);
  const entries = readVmx(src);
  const srcDir = dirname(src);
  const dstDir = dirname(dst);
  mkdirSync(dstDir, { recursive: true });

  for (const [key, value] of entries) {
    if (!FILE_KEYS.test(key) || value === "" || isAbsolute(value) || value === "auto detect") continue;
    if (DISK_FILE.test(key) && value.toLowerCase().endsWith(".vmdk")) {
      const from = resolve(srcDir, value);
      const name = `${basename(value, ".vmdk")}-cl1.vmdk`;
      const to = join(dstDir, name);
      const info = await vmdkInfo(from);
      const args = kind === "full"
        ? ["convert", "-f", "vmdk", "-O", "vmdk", "-o", `subformat=${info.createType},adapter_type=${info.adapterType}`, from, to]
        : ["create", "-q", "-f", "vmdk", "-b", from, "-F", "vmdk", to];
      try {
        await promisify(execFile)("qemu-img", args);
      } catch (e) {
        throw new StandInError(`cloning ${from}: ${((e as { stderr?: string }).stderr ?? (e as Error).message).trim()}`);
      }
      entries.set(key, name);
    } else {
      entries.set(key, resolve(srcDir, value));
    }
  }
  const nvram = entries.get("nvram");
  if (nvram && existsSync(resolve(srcDir, nvram))) copyFileSync(resolve(srcDir, nvram), join(dstDir, basename(nvram)));

  entries.set("displayname", cloneName ?? `Clone of ${entries.get("displayname") ?? basename(src, ".vmx")}`);
  for (const key of [...entries.keys()]) {
    if (/^ethernet\d+\.generatedaddress(offset)?$/.test(key) || key === "uuid.bios" || key === "uuid.location") entries.delete(key);
  }
  writeFileSync(dst, formatVmx(entries));
}
