/**
 * Kiln's stand-in for `vmware-vdiskmanager` (see vmdk-disk.ts for how each operation maps to
 * qemu-img). Usage as VMware's: -c -s SIZE -a ADAPTER -t TYPE DISK | -d DISK | -k DISK.
 */
import { existsSync } from "node:fs";
import { NOT_IMPLEMENTED, StandInError, runMain } from "./product.js";
import { createDisk, rewriteDisk } from "./vmdk-disk.js";

async function main(args: string[]): Promise<void> {
  const options = new Map<string, string>();
  const flags = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-s" || a === "-a" || a === "-t") options.set(a, args[++i] ?? "");
    else if (/^-[a-zA-Z]$/.test(a)) flags.add(a);
    else rest.push(a);
  }
  const disk = rest[0];
  if (!disk || rest.length > 1) throw new StandInError("usage: vmware-vdiskmanager -c -s SIZE -a ADAPTER -t TYPE DISK | -d DISK | -k DISK");
  const op = [...flags];
  if (op.length !== 1) throw new StandInError(`exactly one operation please, got ${op.join(" ") || "none"}`);
  if (op[0] === "-c") {
    const size = options.get("-s");
    if (!size) throw new StandInError("-c needs -s SIZE");
    process.stdout.write(`Creating disk '${disk}'\n`);
    await createDisk(disk, size, options.get("-a") ?? "ide", options.get("-t") ?? "0");
    process.stdout.write("  Create: 100% done.\nVirtual disk creation successful.\n");
    return;
  }
  if (op[0] === "-d" || op[0] === "-k") {
    if (!existsSync(disk)) throw new StandInError(`Failed to open the disk '${disk}' : The file specified is not a virtual disk (0x3ef8).`);
    await rewriteDisk(disk);
    process.stdout.write(op[0] === "-d" ? "  Defragment: 100% done.\nDefragmentation completed successfully.\n" : "  Shrink: 100% done.\nShrink completed successfully.\n");
    return;
  }
  throw new StandInError(`vmware-vdiskmanager ${op[0]} ${NOT_IMPLEMENTED}`);
}

runMain(main);
