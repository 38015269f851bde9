/**
 * The vmware-iso and vmware-vmx templates the VMware tests build, shared so packer 1.6.6 (against
 * Kiln's VMware stand-ins, test/stand-ins/vmware-packer.test.ts) and Kiln's own vmware builders
 * build the SAME templates. The guest kernel has IDE (ata_piix) and vmxnet3 but no LSI, AHCI or
 * e1000 driver, hence disk_adapter_type ide and network_adapter_type vmxnet3.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { BASE_IMAGE_ROOT_PASSWORD } from "../../fixtures/base-image.js";
import { INSTALLER_CD_LABEL } from "../../fixtures/installer-iso.js";

export interface VmwareIsoInstallOptions {
  isoPath: string;
  /** "sha256:<hex>" or "none". */
  isoChecksum: string;
  outputDir: string;
  httpDir: string;
  /** Files for cd_files (the installer reads answer.txt from the CD labelled KILNCD). */
  cdFiles: string[];
  marker: string;
  /** The stand-in's vmx_data (a pinned MAC), or a real Workstation's own. */
  vmxData?: Record<string, string>;
  skipCompaction?: boolean;
  bootWait?: string;
  shutdownTimeout?: string;
}

/**
 * vmware-iso with the test installer ISO: the boot_command types the kernel arguments at
 * isolinux's `boot:` prompt over VNC; the installer fetches payload.txt from http_directory over
 * {{ .HTTPIP }} (DHCP on the NAT network: kiln.net=dhcp), reads the cd_files CD and writes its
 * record on the IDE disk (/dev/sda), then powers off. With communicator none a shutdown_command
 * "runs" as a no-op and packer then waits, up to shutdown_timeout, for the VM to stop on its own:
 * that is how packer 1.6.6 waits for a guest that powers itself off (an empty shutdown_command
 * would halt the VM at once).
 */
export function vmwareIsoInstallTemplate(o: VmwareIsoInstallOptions): Record<string, unknown> {
  return {
    builders: [
      {
        type: "vmware-iso",
        vm_name: "installed",
        iso_url: o.isoPath,
        iso_checksum: o.isoChecksum,
        output_directory: o.outputDir,
        guest_os_type: "other5xlinux-64",
        version: "14",
        headless: true,
        memory: 512,
        cpus: 1,
        disk_size: 64,
        disk_adapter_type: "ide",
        network_adapter_type: "vmxnet3",
        http_directory: o.httpDir,
        cd_files: o.cdFiles,
        cd_label: INSTALLER_CD_LABEL,
        boot_wait: o.bootWait ?? "10s",
        boot_command: [`install kiln.net=dhcp kiln.marker=${o.marker} kiln.url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/payload.txt<enter>`],
        communicator: "none",
        shutdown_command: "the installer powers the VM off by itself",
        shutdown_timeout: o.shutdownTimeout ?? "5m",
        skip_compaction: o.skipCompaction ?? false,
        ...(o.vmxData ? { vmx_data: o.vmxData } : {}),
      },
    ],
  };
}

export interface VmwareVmxOptions {
  sourcePath: string;
  outputDir: string;
  sshPort: number;
  marker: string;
  vmxData?: Record<string, string>;
  skipCompaction?: boolean;
}

/** Where the vmware-vmx template's shell provisioner writes the marker, in the guest. */
export const VMX_MARKER_FILE = "/root/kiln-marker";

/** vmware-vmx from a source VM of the base image: SSH over the forwarded 127.0.0.1 port, a shell provisioner writes a marker, poweroff. */
export function vmwareVmxTemplate(o: VmwareVmxOptions): Record<string, unknown> {
  return {
    builders: [
      {
        type: "vmware-vmx",
        vm_name: "provisioned",
        source_path: o.sourcePath,
        output_directory: o.outputDir,
        headless: true,
        boot_wait: "1s",
        communicator: "ssh",
        ssh_host: "127.0.0.1",
        ssh_port: o.sshPort,
        ssh_username: "root",
        ssh_password: BASE_IMAGE_ROOT_PASSWORD,
        ssh_timeout: "5m",
        shutdown_command: "poweroff",
        shutdown_timeout: "2m",
        skip_compaction: o.skipCompaction ?? true,
        ...(o.vmxData ? { vmx_data: o.vmxData } : {}),
      },
    ],
    provisioners: [{ type: "shell", inline: [`echo ${o.marker} > ${VMX_MARKER_FILE}`, "sync"] }],
  };
}

/**
 * A powered-off VMware VM of the base image in `dir` (base.vmx + base.vmdk, monolithicSparse,
 * IDE, vmxnet3 on NAT) for vmware-vmx to clone. Returns the .vmx path.
 */
export async function makeSourceVm(dir: string, baseImage: string): Promise<string> {
  await promisify(execFile)("qemu-img", ["convert", "-f", "qcow2", "-O", "vmdk", "-o", "subformat=monolithicSparse,adapter_type=ide", baseImage, join(dir, "base.vmdk")]);
  const vmx = join(dir, "base.vmx");
  writeFileSync(vmx, [
    `.encoding = "UTF-8"`,
    `config.version = "8"`,
    `virtualHW.version = "14"`,
    `displayName = "kiln-base"`,
    `guestOS = "debian10-64"`,
    `memsize = "512"`,
    `numvcpus = "1"`,
    `bios.bootOrder = "hdd"`,
    `ide0:0.present = "TRUE"`,
    `ide0:0.fileName = "base.vmdk"`,
    `ethernet0.present = "TRUE"`,
    `ethernet0.connectionType = "nat"`,
    `ethernet0.virtualDev = "vmxnet3"`,
    `ethernet0.addressType = "generated"`,
    "",
  ].join("\n"));
  return vmx;
}
