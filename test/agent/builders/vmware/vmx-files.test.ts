import test from "ava";
import { rmSync } from "node:fs";
import { schema as isoSchema, type Config as IsoConfig } from "../../../../shared/components/builders/vmware-iso.js";
import { DEFAULT_ADDITIONAL_DISK_TEMPLATE, DEFAULT_VMX_TEMPLATE } from "../../../../shared/components/builders/vmware-vmx-template.js";
import { diskAndCdromTypes } from "../../../../agent/builders/vmware/disk-cdrom-types.js";
import { cleanVmx } from "../../../../agent/builders/vmware/step-clean-vmx.js";
import { attachedDisks } from "../../../../agent/builders/vmware/step-clone-vmx.js";
import { configureVmx } from "../../../../agent/builders/vmware/step-configure-vmx.js";
import { additionalDiskNumbers } from "../../../../agent/builders/vmware/step-create-disks.js";
import { renderIsoVmx } from "../../../../agent/builders/vmware/step-create-vmx.js";
import { encodeVmx, parseVmx } from "../../../../agent/builders/vmware/vmx-file.js";
import { prepareContext, raw } from "../../../shared/components/prepare-context.js";
import { tempDirSync } from "../../../fixtures/temp-dir.js";

const cwd = tempDirSync("kiln-vmx-");
test.after.always(() => rmSync(cwd, { recursive: true, force: true }));

const iso = { iso_url: "x.iso", iso_checksum: "none", ssh_username: "u", shutdown_command: "poweroff" };
function isoConfig(extra: Record<string, unknown> = {}): IsoConfig {
  return isoSchema.prepare(raw("vmware-iso", { ...iso, ...extra }), prepareContext(cwd, "vmw"));
}
function render(config: IsoConfig, network = { type: "nat", device: "" }) {
  return renderIsoVmx(config, "/isos/x.iso", network, { vmx: DEFAULT_VMX_TEMPLATE, disk: DEFAULT_ADDITIONAL_DISK_TEMPLATE }, prepareContext(cwd, "vmw").interpolation);
}

test(".vmx files: keys lower-cased on read, written sorted and quoted, virtualSSD unquoted in VMware's case", (t) => {
  const vmx = parseVmx('.encoding = "UTF-8"\ndisplayName = "My VM"\n// comment\nscsi0:0.virtualSSD = 1\nmemsize = 1024 \n');
  t.deepEqual([...vmx], [[".encoding", "UTF-8"], ["displayname", "My VM"], ["scsi0:0.virtualssd", "1"], ["memsize", "1024"]]);
  t.is(encodeVmx(vmx), '.encoding = "UTF-8"\ndisplayname = "My VM"\nmemsize = "1024"\nscsi0:0.virtualSSD = 1\n');
});

test("vmware-iso's default .vmx: an lsilogic disk with the ISO on ide0:0, NAT, e1000, no numvcpus unless cpus", (t) => {
  const vmx = render(isoConfig({ guest_os_type: "debian10-64", memory: 1024 }));
  t.is(vmx.get("displayname"), "packer-vmw");
  t.is(vmx.get("guestos"), "debian10-64");
  t.is(vmx.get("memsize"), "1024");
  t.false(vmx.has("numvcpus"));
  t.is(vmx.get("virtualhw.version"), "9");
  t.is(vmx.get("scsi0.present"), "TRUE");
  t.is(vmx.get("scsi0.virtualdev"), "lsilogic");
  t.is(vmx.get("scsi0:0.filename"), "disk.vmdk");
  t.is(vmx.get("ide0:0.filename"), "/isos/x.iso");
  t.is(vmx.get("ide0:0.devicetype"), "cdrom-image");
  t.is(vmx.get("ethernet0.connectiontype"), "nat");
  t.is(vmx.get("ethernet0.virtualdev"), "e1000");
  t.false(vmx.has("ethernet0.networkname"));
  t.is(vmx.get("serial0.present"), "FALSE");
  t.is(vmx.get("sound.present"), "FALSE");
});

test("vmware-iso's .vmx follows disk_adapter_type, network_adapter_type, cores, serial and a custom network", (t) => {
  const vmx = render(isoConfig({ disk_adapter_type: "ide", network_adapter_type: "VMXNET3", cpus: 2, cores: 2, serial: "FILE:/tmp/serial.log", usb: true }), { type: "custom", device: "vmnet3" });
  t.is(vmx.get("ide0:0.filename"), "disk.vmdk");
  t.is(vmx.get("ide0:1.filename"), "/isos/x.iso");
  t.is(vmx.get("scsi0.present"), "FALSE");
  t.is(vmx.get("ethernet0.virtualdev"), "vmxnet3");
  t.is(vmx.get("ethernet0.connectiontype"), "custom");
  t.is(vmx.get("ethernet0.vnet"), "vmnet3");
  t.is(vmx.get("numvcpus"), "2");
  t.is(vmx.get("cpuid.corespersocket"), "2");
  t.is(vmx.get("serial0.filetype"), "file");
  t.is(vmx.get("serial0.filename"), "/tmp/serial.log");
  t.is(vmx.get("usb.present"), "TRUE");
  t.throws(() => render(isoConfig({ serial: "BOGUS:x" })), { message: "Error processing VMX template: Unknown serial type BOGUS: BOGUS:x" });
});

test("additional disks are numbered from 1, skipping SCSI slot 7, in the disk files and the .vmx", (t) => {
  t.deepEqual(additionalDiskNumbers(8), [1, 2, 3, 4, 5, 6, 8, 9]);
  const vmx = render(isoConfig({ disk_additional_size: [10, 20, 30, 40, 50, 60, 70] }));
  t.is(vmx.get("scsi0:6.filename"), "disk-6.vmdk");
  t.false(vmx.has("scsi0:7.filename"));
  t.is(vmx.get("scsi0:8.filename"), "disk-8.vmdk");
});

test("Packer's disk and CD-ROM buses: the CD is the disk bus's second device, or the first of another bus", (t) => {
  t.like(diskAndCdromTypes("lsilogic", ""), { DiskType: "scsi", CDROMType: "ide", CDROMType_PrimarySecondary: "0", SCSI_Present: "TRUE" });
  t.like(diskAndCdromTypes("scsi", ""), { SCSI_diskAdapterType: "lsilogic" });
  t.like(diskAndCdromTypes("sata", ""), { DiskType: "sata", CDROMType: "sata", CDROMType_PrimarySecondary: "1" });
  t.like(diskAndCdromTypes("nvme", ""), { DiskType: "nvme", CDROMType: "sata", CDROMType_PrimarySecondary: "0", SATA_Present: "TRUE", NVME_Present: "TRUE" });
  t.like(diskAndCdromTypes("ide", "sata"), { DiskType: "ide", CDROMType: "sata", CDROMType_PrimarySecondary: "0", SATA_Present: "TRUE" });
  t.like(diskAndCdromTypes("ide", "ide"), { CDROMType: "ide", CDROMType_PrimarySecondary: "1" });
});

test("configuring then cleaning a .vmx: vmx_data applied, build-only devices, VNC and the owner mark removed", (t) => {
  const vmx = parseVmx('displayName = "vm"\nethernet0.generatedAddress = "00:0c:29:aa:bb:cc"\nide0:0.fileName = "/isos/x.iso"\nide0:0.deviceType = "cdrom-image"\n');
  const temporary = ["ide0:0"];
  const display = configureVmx(vmx, { customData: { "RemoteDisplay.vnc.webSocket.enabled": "FALSE" }, vmName: "vm", displayName: "", beforeBoot: true, diskAdapterType: "lsilogic", cdromAdapterType: "" }, { floppyPath: "/tmp/f.img", cdPath: "/tmp/cd.iso" }, temporary);
  t.is(display, "vm");
  t.false(vmx.has("ethernet0.generatedaddress"));
  t.is(vmx.get("remotedisplay.vnc.websocket.enabled"), "FALSE");
  t.is(vmx.get("kiln.owner"), String(process.pid));
  t.is(vmx.get("floppy0.filename"), "/tmp/f.img");
  t.is(vmx.get("ide1:0.filename"), "/tmp/cd.iso");
  t.is(vmx.get("extendedconfigfile"), "vm.vmxf");
  t.deepEqual(temporary, ["ide0:0", "floppy0", "ide1:0"]);
  vmx.set("remotedisplay.vnc.enabled", "TRUE");
  const said: string[] = [];
  cleanVmx(vmx, temporary, { removeEthernetInterfaces: true, vncEnabled: true }, (m) => said.push(m));
  t.is(vmx.get("floppy0.present"), "FALSE");
  t.false(vmx.has("floppy0.filename"));
  t.is(vmx.get("ide0:0.devicetype"), "cdrom-raw");
  t.is(vmx.get("ide0:0.filename"), "auto detect");
  t.is(vmx.get("ide1:0.filename"), "auto detect");
  t.is(vmx.get("remotedisplay.vnc.enabled"), "FALSE");
  t.false([...vmx.keys()].some((k) => k.startsWith("ethernet") || k === "kiln.owner"));
  t.deepEqual(said, ["Detaching ISO from CD-ROM device ide0:0...", "Unmounting floppy0 from VMX...", "Detaching ISO from CD-ROM device ide1:0...", "Disabling VNC server...", "Removing Ethernet Interfaces..."]);
});

test("a cloned .vmx's disks: every bus's fileName ending in .vmdk, relative to the output folder", (t) => {
  const vmx = parseVmx('scsi0:0.fileName = "disk.vmdk"\nsata0:1.fileName = "data.vmdk"\nide1:0.fileName = "x.iso"\nnvme0:12.fileName = "/abs/n.vmdk"\n');
  t.deepEqual(attachedDisks(vmx, "/out").sort(), ["/abs/n.vmdk", "/out/data.vmdk", "/out/disk.vmdk"]);
});
