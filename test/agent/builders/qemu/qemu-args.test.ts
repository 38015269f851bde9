/**
 * The QEMU command line of ISO and disk-image builds: which CD-ROMs, floppy, disks and boot
 * order each gets (no VM: qemuArgs is a pure function of the config and the build's values).
 */
import test from "ava";
import { qemuArgs, type QemuRunValues } from "../../../../agent/builders/qemu/qemu-args.js";
import { schema, type Config } from "../../../../shared/components/builders/qemu.js";
import { prepareContext } from "../../fixtures/recording-run-context.js";

const values: QemuRunValues = {
  accel: "tcg", diskPath: "/out/disk", sshHostPort: 2222, vncPort: 5901, qmpSocket: "/q.sock", serialLog: "/s.log",
  outputDir: "/out", httpIp: "10.0.2.2", httpPort: 8000, additionalDiskPaths: [], cdPaths: [],
};

function argsFor(over: Record<string, unknown>, v: Partial<QemuRunValues>): string[] {
  const ctx = prepareContext("/work", { name: "qemu", type: "qemu" }, {});
  const config: Config = schema.prepare({ type: "qemu", config: { iso_url: "x.iso", iso_checksum: "none", communicator: "none", output_directory: "/out-dir-x", ...over } }, ctx);
  return qemuArgs(config, { ...values, ...v }, ctx.interpolation);
}

/** The value after each occurrence of `flag`. */
function valuesOf(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
}

test("an ISO build boots its CD once; the cd_files CD, the floppy and disk_additional_size disks are attached", (t) => {
  const args = argsFor({ disk_additional_size: ["1G"] }, { cdPaths: ["/cache/os.iso", "/scratch/cd.iso"], floppyPath: "/scratch/floppy.img", additionalDiskPaths: ["/out/disk-1"] });
  t.deepEqual(valuesOf(args, "-boot"), ["once=d"]);
  t.deepEqual(valuesOf(args, "-cdrom"), ["/cache/os.iso"]);
  t.deepEqual(valuesOf(args, "-fda"), ["/scratch/floppy.img"]);
  const drives = valuesOf(args, "-drive");
  t.is(drives.length, 3);
  t.regex(drives[0]!, /^file=\/out\/disk,if=virtio,/);
  t.regex(drives[1]!, /^file=\/out\/disk-1,if=virtio,/);
  t.is(drives[2], "file=/scratch/cd.iso,media=cdrom,readonly=on");
});

test("a disk_image build boots the disk and attaches only the cd_files CD", (t) => {
  const args = argsFor({ disk_image: true }, { cdPaths: ["/scratch/cd.iso"] });
  t.deepEqual(valuesOf(args, "-boot"), ["c"]);
  t.deepEqual(valuesOf(args, "-cdrom"), ["/scratch/cd.iso"]);
  t.deepEqual(valuesOf(args, "-fda"), []);
});

test("cdrom_interface puts each CD on that interface, after the disks when they share it", (t) => {
  const ide = argsFor({ cdrom_interface: "ide", disk_interface: "ide" }, { cdPaths: ["/os.iso", "/cd.iso"] });
  t.deepEqual(valuesOf(ide, "-cdrom"), []);
  t.deepEqual(valuesOf(ide, "-drive").slice(1), ["file=/os.iso,if=ide,index=1,id=cdrom0,media=cdrom", "file=/cd.iso,if=ide,index=2,id=cdrom1,media=cdrom"]);
  const scsi = argsFor({ cdrom_interface: "virtio-scsi" }, { cdPaths: ["/os.iso"] });
  t.deepEqual(valuesOf(scsi, "-device").slice(1), ["virtio-scsi-pci,id=cdscsi", "scsi-cd,bus=cdscsi.0,drive=cdrom0"]);
  t.true(valuesOf(scsi, "-drive").includes("file=/os.iso,if=none,id=cdrom0,media=cdrom,readonly=on"));
});
