import test from "ava";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { packerKeySchema } from "../../../../shared/components/packer-keys/key-schema.js";
import { prepareContext, problemsOf, raw } from "../prepare-context.js";
import { tempDirSync } from "../../../fixtures/temp-dir.js";

const cwd = tempDirSync("kiln-parallels-rules-");
const check = (type: string, config: Record<string, unknown>, warnings: string[] = []): string[] =>
  problemsOf(() => packerKeySchema("builder", type)!.prepare(raw(type, config), { ...prepareContext(cwd, type), warn: (w) => warnings.push(w) }));

const iso = { iso_url: "a.iso", iso_checksum: "none", ssh_username: "u", shutdown_command: "halt", parallels_tools_flavor: "lin" };

test("parallels-iso: tools flavor unless disabled, a known tools mode, non-negative cpus and memory, known disk_type and hard_drive_interface", (t) => {
  t.deepEqual(check("parallels-iso", iso), []);
  const { parallels_tools_flavor: _, ...noFlavor } = iso;
  t.deepEqual(check("parallels-iso", noFlavor), ["parallels_tools_flavor must be specified"]);
  t.deepEqual(check("parallels-iso", { ...noFlavor, parallels_tools_mode: "disable" }), []);
  t.deepEqual(check("parallels-iso", { ...iso, parallels_tools_mode: "copy", cpus: -1, memory: "-5", disk_type: "thin", hard_drive_interface: "nvme" }), [
    "An invalid number of cpus was specified (cpus < 0): -1",
    "An invalid memory size was specified (memory < 0): -5",
    "parallels_tools_mode is invalid. Must be one of: [disable attach upload]",
    "disk_type can only be expand, or plain",
    "hard_drive_interface can only be ide, sata, or scsi",
  ]);
  const warnings: string[] = [];
  t.deepEqual(check("parallels-iso", { ...iso, disk_type: "plain" }, warnings), []);
  t.true(warnings.includes("'skip_compaction' is enforced to be true for plain disks."));
});

test("parallels builders: the output directory (absolute in the message) must not exist yet", (t) => {
  mkdirSync(join(cwd, "output-parallels-iso"));
  t.deepEqual(check("parallels-iso", { ...iso, output_directory: "" }), [`Output directory '${join(cwd, "output-parallels-iso")}' already exists. It must not exist.`]);
  t.deepEqual(check("parallels-iso", { ...iso, packer_force: true }), []);
});

test("parallels-pvm: a source_path that exists, and the tools checks", (t) => {
  const pvm = { ssh_username: "u", parallels_tools_flavor: "lin" };
  t.deepEqual(check("parallels-pvm", pvm), ["source_path is required"]);
  t.deepEqual(check("parallels-pvm", { ...pvm, source_path: "base.pvm" }), ["source_path is invalid: stat base.pvm: no such file or directory"]);
  mkdirSync(join(cwd, "base.pvm"));
  const warnings: string[] = [];
  t.deepEqual(check("parallels-pvm", { ...pvm, source_path: "base.pvm" }, warnings), []);
  t.is(warnings.length, 1, "no shutdown_command");
  t.deepEqual(check("parallels-pvm", { ssh_username: "u", source_path: "base.pvm" }), ["parallels_tools_flavor must be specified"]);
});

test("parallels-iso and parallels-pvm: a boot_command wait of zero or less is refused, as BootConfig.Prepare does (text from packer validate)", (t) => {
  // (Another test makes the output folder: -force lets it be.)
  const forced = { ...iso, packer_force: true };
  t.deepEqual(check("parallels-iso", { ...forced, boot_command: ["<esc><wait0s>", "<wait-1s>"] }), ["Expecting a positive wait value. Got 0s", "Expecting a positive wait value. Got -1s"]);
  t.deepEqual(check("parallels-pvm", { ssh_username: "u", shutdown_command: "halt", parallels_tools_flavor: "lin", packer_force: true, source_path: ".", boot_command: ["<wait9999999999h>"] }), ['1:6 (5): rule Duration: time: invalid duration "9999999999h"']);
  t.deepEqual(check("parallels-iso", { ...forced, boot_command: ["<wait0><waitXYZ>{{ .HTTPIP }}"] }), []);
});
