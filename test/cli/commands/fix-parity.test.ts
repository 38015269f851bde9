/**
 * `kiln fix` against the real `packer fix` (1.6.6, from apt) on templates that exercise every
 * fixer Packer has: the same JSON (key order aside). Skipped, saying so, where packer is absent.
 */
import test from "ava";
import { kilnIn, workspace } from "./kiln-process.js";
import { havePacker166, runPacker } from "../../fixtures/packer-cli.js";

const havePacker = await havePacker166();
if (!havePacker) console.log("fix-parity: skipped, packer 1.6.6 is not on PATH (apt install packer)");

const TEMPLATES: Record<string, unknown> = {
  "vsphere-net-disk": {
    builders: [
      { type: "vsphere-iso", network: "VM Network", networkCard: "vmxnet3", disk_size: 32768, disk_thin_provisioned: true, network_adapters: [{ network: "second" }] },
      { type: "vsphere-iso", name: "second", network_card: "e1000", disk_eagerly_scrub: false },
    ],
  },
  "qemu-host-port": { builders: [{ type: "qemu", iso_url: "a.iso", iso_checksum: "none", ssh_host_port_min: 2000, ssh_host_port_max: 3000, disk_size: 10240 }] },
  "azure-chroot-exclude": { builders: [{ type: "azure-chroot", source: "x", shared_image_destination: { resource_group: "g", exlude_from_latest: true } }] },
  "proxmox-type": { builders: [{ type: "proxmox", node: "pve" }, { type: "proxmox-clone", node: "pve" }] },
  "galaxy-command": {
    builders: [{ type: "null", communicator: "none" }],
    provisioners: [
      { type: "ansible-local", playbook_file: "p.yml", galaxycommand: "ansible-galaxy" },
      { type: "ansible-local", playbook_file: "p.yml", galaxycommand: "old", galaxy_command: "new" },
      { type: "ansible", playbook_file: "p.yml", galaxycommand: "left alone" },
    ],
  },
  "docker-email-without-post-processors": { builders: [{ type: "docker", image: "alpine", commit: true, login_email: "a@b" }] },
  "docker-email-with-post-processors": {
    builders: [{ type: "docker", image: "alpine", commit: true, login_email: "a@b" }, { type: "null", communicator: "none", login_email: "c@d" }],
    "post-processors": [[{ type: "docker-import", repository: "r", login_email: "e@f" }, { type: "docker-tag", repository: "r", tag: "1" }]],
  },
  // timsutton/osx-vm-templates: "none" with no checksum; and a type that is not a string.
  "iso-checksum-type-none": {
    builders: [
      { type: "virtualbox-iso", iso_url: "x.iso", iso_checksum_type: "none", ssh_username: "u" },
      { type: "virtualbox-iso", name: "b", iso_url: "x.iso", iso_checksum_type: "none", iso_checksum: "", ssh_username: "u" },
      { type: "virtualbox-iso", name: "c", iso_url: "x.iso", iso_checksum_type: "none", iso_checksum: "abc", ssh_username: "u" },
      { type: "virtualbox-iso", name: "d", iso_url: "x.iso", iso_checksum_type: 5, iso_checksum: "abc", ssh_username: "u" },
    ],
  },
  // taliesins/packer-baseboxes: {{user `x`}} keeps its backquotes; environment_vars are unescaped too.
  "powershell-escapes": {
    variables: { username: "u" },
    builders: [{ type: "null", communicator: "none" }],
    provisioners: [{ type: "powershell", inline: ["dir"], elevated_user: "{{user `username`}}", elevated_password: "p`'w``n`n", environment_vars: ["B=`$x", "C=`\"q`\""] }],
  },
  "many-at-once": {
    builders: [
      { type: "virtualbox", iso_md5: "af4a1640c0c6f348c6c41f1ea9e192a2", iso_url: "a.iso", ssh_wait_timeout: "10m", guest_additions_attach: true, ssh_host_port_min: 2222 },
      { type: "amazon-ebs", ami_name: "img {{isotime | clean_ami_name}}", shutdown_behaviour: "stop", enhanced_networking: true, ssh_private_ip: true, temporary_security_group_source_cidr: "10.0.0.0/8", spot_price_auto_product: "Linux/UNIX" },
      { type: "vmware-iso", iso_url: "a.iso", iso_checksum: "abc", iso_checksum_type: "sha256", skip_compaction: false, remote_type: "esx5" },
      { type: "vmware-iso", name: "thin", remote_type: "esx5", disk_type_id: "thin" },
      { type: "hyperv-iso", cpu: 2, ram_size: 1024, vhd_temp_path: "x", clone_from_vmxc_path: "y", iso_url: "a.iso", iso_checksum_url: "http://x/SHA256SUMS", iso_checksum_type: "file" },
      { type: "parallels-iso", headless: true, parallels_tools_host_path: "p", guest_os_distribution: "ubuntu" },
    ],
    provisioners: [{ type: "powershell", inline: ["Write-Host `\"hi`\""] }],
    "post-processors": [{ type: "manifest", filename: "m.json" }, { type: "vagrant", override: { virtualbox: { a: 1 } } }],
  },
};

for (const [name, template] of Object.entries(TEMPLATES)) {
  (havePacker ? test : test.skip)(`fix gives the JSON packer 1.6.6 fix gives: ${name}`, async (t) => {
    const dir = workspace({ "t.json": template });
    const packer = await runPacker(["fix", "t.json"], { cwd: dir, killAfterMs: 30_000, env: { PATH: process.env.PATH, HOME: dir, CHECKPOINT_DISABLE: "1" }, retryOnTimeout: true });
    const kiln = kilnIn(dir, ["fix", "t.json"]);
    t.is(kiln.status, packer.status, `kiln: ${kiln.stderr}\npacker: ${packer.stderr}${packer.stdout}`);
    t.deepEqual(JSON.parse(kiln.stdout), JSON.parse(packer.stdout));
  });
}

(havePacker ? test : test.skip)("fix -sort prints packer fix's bytes; a fixed template that fails to parse is printed, then refused", async (t) => {
  const dir = workspace({
    "t.json": { variables: { a: "x & <y>" }, builders: [{ type: "qemu", ssh_host_port_min: 1, iso_url: "a.iso", iso_checksum: "none" }] },
    "dup.json": { builders: [{ type: "null", communicator: "none" }, { type: "null", communicator: "none" }] },
  });
  const env = { PATH: process.env.PATH, HOME: dir, CHECKPOINT_DISABLE: "1" };
  const packer = await runPacker(["fix", "t.json"], { cwd: dir, killAfterMs: 30_000, env, retryOnTimeout: true });
  const kiln = kilnIn(dir, ["fix", "-sort", "t.json"]);
  t.is(kiln.stdout, packer.stdout.replace(/\n\n$/, "\n"), "byte for byte (Packer's Ui adds a blank line)");
  const packerDup = await runPacker(["fix", "dup.json"], { cwd: dir, killAfterMs: 30_000, env, retryOnTimeout: true });
  const kilnDup = kilnIn(dir, ["fix", "dup.json"]);
  t.is(packerDup.status, 1);
  t.is(kilnDup.status, 1);
  t.deepEqual(JSON.parse(kilnDup.stdout), JSON.parse(packerDup.stdout.split("\nError!")[0] ?? ""));
  t.regex(kilnDup.stderr, /Error! Fixed template fails to parse: .*builder with name 'null' already exists/s);
});
