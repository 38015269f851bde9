/**
 * Every builder family whose Prepare runs Packer 1.6.6's BootConfig.Prepare refuses a boot_command
 * wait of zero or less; the text is what `packer validate` 1.6.6 printed for these templates.
 */
import test from "ava";
import { kilnIn, workspace } from "./kiln-process.js";

const iso = { iso_url: "http://x/a.iso", iso_checksum: "none", ssh_username: "u" };
const BUILDERS: Record<string, Record<string, unknown>> = {
  qemu: { ...iso },
  "virtualbox-iso": { ...iso, guest_os_type: "Other" },
  "vmware-iso": { ...iso },
  "parallels-iso": { ...iso, parallels_tools_flavor: "lin" },
  "hyperv-iso": { ...iso },
  "proxmox-iso": { proxmox_url: "https://h:8006/api2/json", username: "u@pam", password: "p", node: "n", iso_file: "local:iso/a.iso", ssh_username: "u" },
  "vsphere-iso": { vcenter_server: "v", username: "u", password: "p", host: "h", ssh_username: "u", guest_os_type: "otherGuest", vm_name: "v", storage: [{ disk_size: 1000 }] },
};

for (const [type, config] of Object.entries(BUILDERS)) {
  test(`${type}: a boot_command wait of zero or less, or one too big to parse, fails Prepare with Packer's words`, (t) => {
    const dir = workspace({
      "zero.json": { builders: [{ type, ...config, boot_command: ["<wait0><wait0ms>x<wait-0s>"] }] },
      "big.json": { builders: [{ type, ...config, boot_command: ["<wait9999999999h>"] }] },
    });
    const zero = kilnIn(dir, ["validate", "zero.json"]);
    t.is(zero.status, 1);
    t.true(zero.stdout.includes(`Error: Failed to prepare build: "${type}"\n\n2 error(s) occurred:\n\n* Expecting a positive wait value. Got 0s\n* Expecting a positive wait value. Got 0s\n`), zero.stdout);
    const big = kilnIn(dir, ["validate", "big.json"]);
    t.true(big.stdout.includes(`\n1 error(s) occurred:\n\n* 1:6 (5): rule Duration: time: invalid duration "9999999999h"\n`), big.stdout);
  });
}

test("qemu and vmware-iso: a boot command with VNC disabled is refused, and the boot command's waits are checked with it, before the ISO (VNCConfig.Prepare's place)", (t) => {
  const dir = workspace({
    "qemu.json": { builders: [{ type: "qemu", iso_url: "http://x/a.iso", ssh_username: "u", disable_vnc: true, boot_command: ["<wait0s>"] }] },
    "vmware.json": { builders: [{ type: "vmware-iso", iso_url: "http://x/a.iso", ssh_username: "u", disable_vnc: true, boot_command: ["<wait0s>"] }] },
  });
  const qemu = kilnIn(dir, ["validate", "qemu.json"]);
  t.true(qemu.stdout.startsWith('Error: Failed to prepare build: "qemu"\n\n3 error(s) occurred:\n\n* A boot command cannot be used when vnc is disabled.\n* Expecting a positive wait value. Got 0s\n* A checksum must be specified\n'), qemu.stdout);
  const vmware = kilnIn(dir, ["validate", "vmware.json"]);
  t.true(vmware.stdout.includes("* A boot command cannot be used when vnc is disabled.\n* Expecting a positive wait value. Got 0s\n"), vmware.stdout);
});
