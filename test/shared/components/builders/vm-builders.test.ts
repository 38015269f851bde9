import test from "ava";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { schema as amazonEbs, type Config as AmazonConfig } from "../../../../shared/components/builders/amazon-ebs.js";
import { schema as googlecompute } from "../../../../shared/components/builders/googlecompute.js";
import { schema as virtualboxIso } from "../../../../shared/components/builders/virtualbox-iso.js";
import { schema as virtualboxOvf } from "../../../../shared/components/builders/virtualbox-ovf.js";
import { schema as vmwareIso } from "../../../../shared/components/builders/vmware-iso.js";
import { cleanAmiName } from "../../../../shared/components/builders/amazon-ami-name.js";
import { prepareContext, problemsOf, raw } from "../prepare-context.js";
import { ConfigErrors } from "../../../../shared/components/problems.js";
import { packerConfigErrorText } from "../../../../shared/validation/config-error-text.js";
import { tempDirSync } from "../../../fixtures/temp-dir.js";

const cwd = tempDirSync("kiln-vm-schemas-");
const ebs = { region: "us-east-1", source_ami: "ami-0123456789abcdef0", instance_type: "t3.micro", ssh_username: "ubuntu" };

test("amazon-ebs: AMI name characters and length as Packer checks them", (t) => {
  const colon = problemsOf(() => amazonEbs.prepare(raw("amazon-ebs", { ...ebs, ami_name: "my:ami" }), prepareContext(cwd, "amazon-ebs")));
  t.is(colon.length, 1);
  t.regex(colon[0], /^AMIName should only contain alphanumeric characters/);
  t.deepEqual(problemsOf(() => amazonEbs.prepare(raw("amazon-ebs", { ...ebs, ami_name: "ab" }), prepareContext(cwd, "short"))), [
    "ami_name must be between 3 and 128 characters long",
  ]);
  const ok = amazonEbs.prepare(raw("amazon-ebs", { ...ebs, ami_name: "My Image (test) [1] it's/@_." }), prepareContext(cwd, "a")) as AmazonConfig;
  t.is(ok.amiName, "My Image (test) [1] it's/@_.");
});

test("amazon-ebs: instance type or spot types, and a source AMI or an owned filter, are required", (t) => {
  t.deepEqual(problemsOf(() => amazonEbs.prepare(raw("amazon-ebs", { region: "r", ami_name: "abc", ssh_username: "u", launch_block_device_mappings: [] }), prepareContext(cwd, "a"))), [
    "A source_ami or source_ami_filter must be specified",
    "For security reasons, your source AMI filter must declare an owner.",
    "either instance_type or spot_instance_types must be specified",
  ]);
  t.deepEqual(problemsOf(() => amazonEbs.prepare(raw("amazon-ebs", { ...ebs, instance_type: undefined, spot_instance_types: ["t2.small"], ami_name: "abc", source_ami_filter: { owners: ["1"] } }), prepareContext(cwd, "a"))), []);
});

test("amazon-ebs: the keys of a struct (a block device mapping, the source AMI filter) are found in any case, as mapstructure finds them, for the build too", (t) => {
  const { source_ami: _, ...noAmi } = ebs;
  const config = amazonEbs.prepare(raw("amazon-ebs", {
    ...noAmi, ami_name: "abc",
    Source_AMI_Filter: { Owners: ["099720109477"], FILTERS: { name: "ubuntu/*" }, Most_Recent: true },
    Launch_Block_Device_Mappings: [{ Device_Name: "/dev/sda1", Volume_Size: 20, Delete_On_Termination: true }],
  }), prepareContext(cwd, "a")) as AmazonConfig;
  t.deepEqual(config.sourceAmiFilter, { filters: { name: "ubuntu/*" }, owners: ["099720109477"], mostRecent: true });
  t.like(config.launchBlockDeviceMappings[0], { deviceName: "/dev/sda1", volumeSize: 20, deleteOnTermination: true });
});

test("amazon's clean_resource_name keeps spaces, slashes and parentheses, and replaces ':' and '#'", (t) => {
  t.is(cleanAmiName("My Image: 2020/12/16 (test) #1"), "My Image- 2020/12/16 (test) -1");
});

test("googlecompute: ssh_username first, then a missing account file", (t) => {
  const problems = problemsOf(() =>
    googlecompute.prepare(raw("googlecompute", { account_file: "account.json", project_id: "p", source_image: "debian", zone: "us-central1-a", image_name: "packerbats-minimal-1" }), prepareContext(cwd, "googlecompute")),
  );
  t.deepEqual(problems, ['An ssh_username must be specified\n  Note: some builders used to default ssh_username to "root".', "account_file path does not exist: account.json"]);
  writeFileSync(join(cwd, "account.json"), "{}");
  t.deepEqual(problemsOf(() => googlecompute.prepare(raw("googlecompute", { account_file: "account.json", project_id: "p", source_image: "d", zone: "z", ssh_username: "u" }), prepareContext(cwd, "g"))), []);
});

test("virtualbox-iso: guest additions mode and disk interface values", (t) => {
  const problems = problemsOf(() =>
    virtualboxIso.prepare(raw("virtualbox-iso", { iso_url: "https://example.invalid/u.iso", iso_checksum: "sha256:" + "0".repeat(64), guest_additions_mode: "sideways", hard_drive_interface: "floppy", ssh_username: "vagrant" }), prepareContext(cwd, "virtualbox-iso")),
  );
  t.deepEqual(problems, ["guest_additions_mode is invalid. Must be one of: [disable attach upload]", "hard_drive_interface can only be ide, sata, pcie or scsi"]);
});

test("virtualbox-iso: Packer's defaults and the checks that depend on the communicator", (t) => {
  const iso = { iso_url: "https://example.invalid/u.iso", iso_checksum: "sha256:" + "0".repeat(64) };
  const c = virtualboxIso.prepare(raw("virtualbox-iso", { ...iso, ssh_username: "vagrant" }), prepareContext(cwd, "vbox"));
  t.like(c, { cpus: 1, memoryMb: 512, sound: "none", diskSizeMb: 40000, guestOsType: "Other", hardDriveInterface: "ide", isoInterface: "ide", format: "ovf",
    hostPortMin: 2222, hostPortMax: 4444, vrdpBindAddress: "127.0.0.1", vrdpPortMin: 5900, vrdpPortMax: 6000, postShutdownDelayMs: 2000, versionFile: ".vbox_version" });
  t.like(c.guestAdditions, { mode: "upload", interface: "ide", path: "VBoxGuestAdditions.iso" });
  t.regex(c.vmName, /^packer-vbox-\d+$/);
  t.is(c.outputFilename, c.vmName);
  t.is(c.communicator.type === "ssh" ? c.communicator.ssh.host : "", "127.0.0.1", "ssh_host defaults to the NAT forward's loopback");
  t.deepEqual(problemsOf(() => virtualboxIso.prepare(raw("virtualbox-iso", { ...iso, communicator: "none" }), prepareContext(cwd, "vbox"))), [
    "virtualbox_version_file has to be an empty string when communicator = 'none'.",
    "communicator must not be 'none' when guest_additions_mode = 'upload'.",
  ]);
  const legacy = virtualboxIso.prepare(raw("virtualbox-iso", { ...iso, ssh_username: "u", ssh_host_port_min: 3000, ssh_host_port_max: 3001, iso_interface: "sata", format: "ova" }), prepareContext(cwd, "vbox"));
  t.like(legacy, { hostPortMin: 3000, hostPortMax: 3001, format: "ova" });
  t.is(legacy.guestAdditions.interface, "sata", "guest additions follow iso_interface");
  t.deepEqual(problemsOf(() => virtualboxIso.prepare(raw("virtualbox-iso", { ...iso, ssh_username: "u", sata_port_count: 31, format: "vdi", bogus: 1 }), prepareContext(cwd, "vbox"))), [
    "unknown configuration key: '\"bogus\"'",
  ]);
});

test("virtualbox-ovf: source_path required, import_opts become --options, checksum optional", (t) => {
  t.deepEqual(problemsOf(() => virtualboxOvf.prepare(raw("virtualbox-ovf", { ssh_username: "u" }), prepareContext(cwd, "ovf"))), ["source_path is required"]);
  const c = virtualboxOvf.prepare(raw("virtualbox-ovf", { ssh_username: "u", source_path: "box.ovf", import_flags: ["--eula", "accept"], import_opts: "keepallmacs" }), prepareContext(cwd, "ovf"));
  t.deepEqual(c.importFlags, ["--eula", "accept", "--options", "keepallmacs"]);
  t.is(c.checksum, "none");
  t.is(c.guestAdditions.interface, "ide");
});

test("vmware-iso: a minimal template validates; a bad format does not", (t) => {
  const iso = { iso_url: "http://x/u.iso", iso_checksum: "sha256:" + "1".repeat(64), ssh_username: "vagrant", boot_command: ["<esc>{{ .HTTPIP }}"], tools_upload_flavor: "linux" };
  t.deepEqual(problemsOf(() => vmwareIso.prepare(raw("vmware-iso", iso), prepareContext(cwd, "vmware-iso"))), []);
  t.deepEqual(problemsOf(() => vmwareIso.prepare(raw("vmware-iso", { ...iso, format: "qcow2" }), prepareContext(cwd, "vmware-iso"))), ["format must be one of ova, ovf, or vmx"]);
});

test("a bad duration is a decoding error, worded as Go's time.ParseDuration and mapstructure word it (DanHam/packer-templates with -var winrm_timeout=5)", (t) => {
  const iso = { iso_url: "https://example.invalid/u.iso", iso_checksum: "sha256:" + "0".repeat(64) };
  const prepare = (): unknown =>
    virtualboxIso.prepare(raw("virtualbox-iso", { ...iso, communicator: "winrm", winrm_username: "vagrant", winrm_timeout: "5", shutdown_timeout: "x", boot_wait: "2 minutes" }), prepareContext(cwd, "virtualbox-iso"));
  t.deepEqual(problemsOf(prepare).sort(), [
    `error decoding 'boot_wait': time: unknown unit " minutes" in duration "2 minutes"`,
    `error decoding 'shutdown_timeout': time: invalid duration "x"`,
    `error decoding 'winrm_timeout': time: missing unit in duration "5"`,
  ]);
  try {
    prepare();
  } catch (e) {
    // mapstructure sorts its list, whatever order the keys come in.
    t.is(packerConfigErrorText((e as ConfigErrors).problems), [
      "3 error(s) decoding:",
      "",
      `* error decoding 'boot_wait': time: unknown unit " minutes" in duration "2 minutes"`,
      `* error decoding 'shutdown_timeout': time: invalid duration "x"`,
      `* error decoding 'winrm_timeout': time: missing unit in duration "5"`,
    ].join("\n"));
  }
});

test("disk_size is a Go uint for virtualbox-iso and vmware-iso: a sign or a fraction is ParseUint's error (disk_size passed with -var)", (t) => {
  const iso = { iso_url: "https://example.invalid/u.iso", iso_checksum: "none", ssh_username: "u" };
  t.deepEqual(problemsOf(() => virtualboxIso.prepare(raw("virtualbox-iso", { ...iso, disk_size: "1.5" }), prepareContext(cwd, "vb"))), [
    `cannot parse 'disk_size' as uint: strconv.ParseUint: parsing "1.5": invalid syntax`,
  ]);
  t.deepEqual(problemsOf(() => vmwareIso.prepare(raw("vmware-iso", { ...iso, disk_size: "-1" }), prepareContext(cwd, "vm"))), [
    `cannot parse 'disk_size' as uint: strconv.ParseUint: parsing "-1": invalid syntax`,
  ]);
  t.like(virtualboxIso.prepare(raw("virtualbox-iso", { ...iso, disk_size: "61440" }), prepareContext(cwd, "vb")), { diskSizeMb: 61440 });
});
