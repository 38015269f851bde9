import test from "ava";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { schema, type Config } from "../../../../shared/components/builders/qemu.js";
import { prepareContext, problemsOf, raw } from "../prepare-context.js";
import { tempDirSync } from "../../../fixtures/temp-dir.js";

const base = { iso_url: "https://example.invalid/images/debian-10.iso", iso_checksum: "none", ssh_username: "root" };
const tmp = (): string => tempDirSync("kiln-qemu-schema-");

test("bad format, accelerator and disk interface are reported in Packer's order and words; net_device is not checked", (t) => {
  const cwd = tmp();
  const problems = problemsOf(() =>
    schema.prepare(raw("qemu", { ...base, accelerator: "warp-drive", disk_interface: "floppy-ish", format: "vdi", net_device: "carrier-pigeon" }), prepareContext(cwd, "qemu")),
  );
  t.deepEqual(problems, [
    "invalid format, only 'qcow2' or 'raw' are allowed",
    "invalid accelerator, only 'kvm', 'tcg', 'xen', 'hax', 'hvf', 'whpx', or 'none' are allowed",
    "unrecognized disk interface type",
  ]);
});

test("defaults follow Packer: disk size in MiB, output and VM names from the build name", (t) => {
  const cwd = tmp();
  const c = schema.prepare(raw("qemu", { ...base, disk_size: "5000", memory: 4, cpus: 0 }), prepareContext(cwd, "deb")) as Config;
  t.is(c.diskSize, "5000M");
  t.is(c.outputDirectory, "output-deb");
  t.is(c.vmName, "packer-deb");
  t.is(c.memoryMb, 512);
  t.is(c.cpus, 1);
  t.is(c.format, "qcow2");
  t.is(c.communicator.type, "ssh");
});

test("an existing output directory, a bad disk size and an unknown key are refused", (t) => {
  const cwd = tmp();
  mkdirSync(join(cwd, "output-qemu"));
  t.deepEqual(problemsOf(() => schema.prepare(raw("qemu", { ...base, disk_size: "lots" }), prepareContext(cwd, "qemu"))), [
    "Invalid disk size.",
    "Output directory 'output-qemu' already exists. It must not exist.",
  ]);
  t.deepEqual(problemsOf(() => schema.prepare(raw("qemu", { ...base, output_directory: "elsewhere", disk_sise: "1G" }), prepareContext(cwd, "qemu"))), [
    `unknown configuration key: '"disk_sise"'`,
  ]);
});

test("a file: checksum is read while validating: listed ISO, unlisted ISO, missing file", (t) => {
  const cwd = tmp();
  const sum = "0123456789abcdef".repeat(4);
  writeFileSync(join(cwd, "SHA256SUMS"), `${sum}  debian-10.iso\n${"f".repeat(64)} *other-name.iso\n`);
  const listed = schema.prepare(raw("qemu", { ...base, iso_checksum: "file:SHA256SUMS" }), prepareContext(cwd, "listed")) as Config;
  t.is(listed.iso.isoChecksum, `sha256:${sum}`);
  t.deepEqual(problemsOf(() => schema.prepare(raw("qemu", { ...base, iso_url: "https://x/other.iso", iso_checksum: "file:SHA256SUMS" }), prepareContext(cwd, "n"))), [
    `no checksum found in: SHA256SUMS in "file:SHA256SUMS"`,
  ]);
  t.deepEqual(problemsOf(() => schema.prepare(raw("qemu", { ...base, iso_checksum: "file:NO-SUCH-SUMS" }), prepareContext(cwd, "m"))), [
    `Error downloading checksum file: source path error: stat ${join(cwd, "NO-SUCH-SUMS")}: no such file or directory in "file:NO-SUCH-SUMS"`,
  ]);
});

test("checksums without a type are recognised by length, wrong lengths are refused", (t) => {
  const cwd = tmp();
  const c = schema.prepare(raw("qemu", { ...base, iso_checksum: "AF4A1640C0C6F348C6C41F1EA9E192A2" }), prepareContext(cwd, "a")) as Config;
  t.is(c.iso.isoChecksum, "md5:af4a1640c0c6f348c6c41f1ea9e192a2");
  const problems = problemsOf(() => schema.prepare(raw("qemu", { ...base, iso_checksum: "sha256:abc" }), prepareContext(cwd, "b")));
  t.is(problems.length, 1);
  t.regex(problems[0], /sha256 checksum "abc": expected 64 hex digits/);
});

test("a missing ssh_username is Packer's communicator error", (t) => {
  const cwd = tmp();
  const problems = problemsOf(() => schema.prepare(raw("qemu", { iso_url: base.iso_url, iso_checksum: "none" }), prepareContext(cwd, "q")));
  t.deepEqual(problems, ['An ssh_username must be specified\n  Note: some builders used to default ssh_username to "root".']);
});

test("qemu_img_args as an HCL2 block (a list of one map) or a JSON map gives the same lists", (t) => {
  const cwd = tmp();
  const asBlock = schema.prepare(raw("qemu", { ...base, qemu_img_args: [{ create: ["-F", "qcow2"], resize: ["--shrink"] }] }), prepareContext(cwd, "q")) as Config;
  const asMap = schema.prepare(raw("qemu", { ...base, qemu_img_args: { create: ["-F", "qcow2"], resize: ["--shrink"] } }), prepareContext(cwd, "q")) as Config;
  t.deepEqual(asBlock.qemuImgArgs, { convert: [], create: ["-F", "qcow2"], resize: ["--shrink"] });
  t.deepEqual(asMap.qemuImgArgs, asBlock.qemuImgArgs);
  t.deepEqual(problemsOf(() => schema.prepare(raw("qemu", { ...base, qemu_img_args: "create" }), prepareContext(cwd, "q"))), ["'qemu_img_args' expected a map with convert, create and resize lists"]);
});

test("a cd_files entry that does not exist is refused after the floppy's, in Packer's words; a glob is not checked", (t) => {
  const cwd = tmp();
  writeFileSync(join(cwd, "meta-data"), "");
  t.deepEqual(problemsOf(() => schema.prepare(raw("qemu", { ...base, floppy_files: ["nofloppy"], cd_files: ["meta-data", "missing/user-data", "http/*.cfg", ""] }), prepareContext(cwd, "q"))), [
    "Bad Floppy disk file 'nofloppy': stat nofloppy: no such file or directory",
    "Bad CD disk file 'missing/user-data': stat missing/user-data: no such file or directory",
    // An empty entry (a variable left empty) is no file, not the working folder.
    "Bad CD disk file '': stat : no such file or directory",
  ]);
});
