import test from "ava";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { schema as vmwareIso } from "../../../../shared/components/builders/vmware-iso.js";
import { schema as vmwareVmx } from "../../../../shared/components/builders/vmware-vmx.js";
import { prepareContext, problemsOf, raw } from "../prepare-context.js";
import { tempDirSync } from "../../../fixtures/temp-dir.js";

const cwd = tempDirSync("kiln-vmware-schemas-");
test.after.always(() => rmSync(cwd, { recursive: true, force: true }));
const iso = { iso_url: "http://x/u.iso", iso_checksum: "sha256:" + "1".repeat(64), ssh_username: "vagrant" };

test("vmware-iso: Packer's defaults", (t) => {
  const c = vmwareIso.prepare(raw("vmware-iso", iso), prepareContext(cwd, "vmware-iso"));
  t.like(c, {
    vmName: "packer-vmware-iso", guestOsType: "other", version: "9", diskSizeMb: 40000, format: "vmx", skipExport: true, skipCompaction: false,
    outputDirectory: "output-vmware-iso", shutdownTimeoutMs: 300_000, cdromAdapterType: "",
    disk: { name: "disk", adapterType: "lsilogic", typeId: "1", additionalSizesMb: [] },
    run: { vncBindAddress: "127.0.0.1", vncPortMin: 5900, vncPortMax: 6000, headless: false },
    hardware: { network: "nat", serial: "none", parallel: "none", cpus: 0, memoryMb: 0 },
    tools: { uploadFlavor: "", uploadPath: "{{ .Flavor }}.iso" },
    boot: { bootWaitMs: 10_000, disableVnc: false },
  });
  t.deepEqual(c.warnings, ["A shutdown_command was not specified. Without a shutdown command, Packer\nwill forcibly halt the virtual machine, which may result in data loss."]);
});

test("vmware-iso: the checks in Packer's order, with its messages", (t) => {
  const problems = problemsOf(() =>
    vmwareIso.prepare(raw("vmware-iso", {
      ...iso, vnc_port_min: 6000, vnc_port_max: 5900, cpus: -1, memory: -2, cores: -3, remote_type: "esx6", tools_source_path: "t.iso",
      boot_command: ["<enter>"], disable_vnc: true, format: "qcow2", cdrom_adapter_type: "floppy",
    }), prepareContext(cwd, "vmware-iso")),
  );
  t.deepEqual(problems, [
    "vnc_port_min must be less than vnc_port_max",
    "An invalid number of cpus was specified (cpus < 0): -1",
    "An invalid amount of memory was specified (memory < 0): -2",
    "An invalid number of cores was specified (cores < 0): -3",
    "remote_host must be specified",
    "Only 'esx5' value is accepted for remote_type",
    "If you provide a tools_source_path, you must also provide either a tools_upload_flavor or a tools_upload_path.",
    "A boot command cannot be used when vnc is disabled.",
    "format must be one of ova, ovf, or vmx",
    "exporting the vm from esxi with ovftool requires that you set a value for remote_password",
    "cdrom_adapter_type must be one of ide, sata, or scsi",
  ]);
});

test("vmware-iso: ESXi keys validate as in Packer (zeroedthick disks need skip_compaction, ovf by default)", (t) => {
  const esx = { ...iso, remote_type: "esx5", remote_host: "esx.example", remote_password: "p", shutdown_command: "poweroff" };
  const c = vmwareIso.prepare(raw("vmware-iso", esx), prepareContext(cwd, "vmware-iso"));
  t.like(c, { format: "ovf", skipExport: false, skipCompaction: true, disk: { typeId: "zeroedthick" }, driver: { remoteType: "esx5", remoteUser: "root", remotePort: 22, remoteDatastore: "datastore1", remoteCacheDatastore: "datastore1" } });
  t.deepEqual(problemsOf(() => vmwareIso.prepare(raw("vmware-iso", { ...esx, disk_type_id: "thick" }), prepareContext(cwd, "vmware-iso"))), ["skip_compaction must be 'true' for disk_type_id: thick"]);
  t.deepEqual(problemsOf(() => vmwareIso.prepare(raw("vmware-iso", { ...esx, vnc_over_websocket: false }), prepareContext(cwd, "vmware-iso"))), []);
  t.deepEqual(problemsOf(() => vmwareIso.prepare(raw("vmware-iso", { ...iso, vnc_over_websocket: true }), prepareContext(cwd, "vmware-iso"))), ["'vnc_over_websocket' can only be used with remote VMWare builds."]);
});

test("vmware-iso: vmx_data that overrides the default template's keys is warned about, in template order", (t) => {
  const c = vmwareIso.prepare(raw("vmware-iso", { ...iso, shutdown_command: "poweroff", vmx_data: { memsize: "2048", numvcpus: "2", "ide0:0.present": "TRUE", foo: "bar" } }), prepareContext(cwd, "vmware-iso"));
  t.deepEqual(c.warnings, ["Your vmx data contains the following variable(s), which Packer normally sets when it generates its own default vmx template. This may cause your build to fail or behave unpredictably: numvcpus, memsize"]);
  t.deepEqual(c.vmxData, { memsize: "2048", numvcpus: "2", "ide0:0.present": "TRUE", foo: "bar" });
  t.deepEqual(problemsOf(() => vmwareIso.prepare(raw("vmware-iso", { ...iso, vmx_template_path: "missing.tpl" }), prepareContext(cwd, "vmware-iso"))), ["vmx_template_path is invalid: open missing.tpl: no such file or directory"]);
});

test("vmware-vmx: source_path is required and must exist; vm_name gets the build time", (t) => {
  t.deepEqual(problemsOf(() => vmwareVmx.prepare(raw("vmware-vmx", { ssh_username: "u" }), prepareContext(cwd, "vmware-vmx"))), ["source_path is blank, but is required"]);
  t.deepEqual(problemsOf(() => vmwareVmx.prepare(raw("vmware-vmx", { ssh_username: "u", source_path: "base.vmx" }), prepareContext(cwd, "vmware-vmx"))), [
    "source_path is invalid: stat base.vmx: no such file or directory",
  ]);
  writeFileSync(join(cwd, "base.vmx"), "");
  const c = vmwareVmx.prepare(raw("vmware-vmx", { ssh_username: "u", source_path: "base.vmx", linked: true, headless: true, disable_vnc: true, shutdown_command: "poweroff" }), prepareContext(cwd, "vmware-vmx"));
  t.like(c, { sourcePath: join(cwd, "base.vmx"), linked: true, vmName: "packer-vmware-vmx-1608112800", format: "vmx", skipExport: true, disk: { typeId: "1" } });
  t.deepEqual(c.warnings, ["Headless mode uses VNC to retrieve output. Since VNC has been disabled,\nyou won't be able to see any output."]);
});
