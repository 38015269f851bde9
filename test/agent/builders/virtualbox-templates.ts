/**
 * The virtualbox-iso and virtualbox-ovf templates the VBoxManage stand-in is proven with under
 * packer 1.6.6 (test/stand-ins/virtualbox-packer.test.ts); Kiln's own virtualbox builder tests
 * build the same templates, so both are held to one behaviour.
 */
import { BASE_IMAGE_ROOT_PASSWORD } from "../../fixtures/base-image.js";

export interface IsoTemplateParams {
  /** The installer ISO (test/fixtures/installer-iso.ts), a local path packer serves itself. */
  isoPath: string;
  isoSha256: string;
  outputDir: string;
  httpDir: string;
  /** Typed on the kernel command line; the installer copies it into its record. */
  marker: string;
  /** How long to wait before typing (the cancel test makes it long to catch the build waiting). */
  bootWait?: string;
}

/**
 * virtualbox-iso: the installer boots from the IDE CD, waits at isolinux's prompt for the typed
 * command (keyboardputscancode), fetches payload.txt from packer's http server on 10.0.2.2,
 * writes its record on the IDE disk and powers off by itself (packer 1.6.6's virtualbox-iso has
 * no cd_files, hence kiln.cdlabel=none). Then packer exports the OVF.
 */
export function virtualboxIsoTemplate(p: IsoTemplateParams): Record<string, unknown> {
  return {
    builders: [{
      type: "virtualbox-iso",
      guest_os_type: "Debian_64",
      iso_url: p.isoPath,
      iso_checksum: `sha256:${p.isoSha256}`,
      guest_additions_mode: "disable",
      headless: true,
      hard_drive_interface: "ide",
      disk_size: 64,
      http_directory: p.httpDir,
      boot_wait: p.bootWait ?? "10s",
      boot_command: [`install kiln.url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/payload.txt kiln.marker=${p.marker} kiln.cdlabel=none<enter>`],
      communicator: "none",
      virtualbox_version_file: "",
      disable_shutdown: true,
      shutdown_timeout: "10m",
      vboxmanage: [["modifyvm", "{{.Name}}", "--memory", "512", "--cpus", "1", "--nictype1", "virtio"]],
      output_directory: p.outputDir,
      format: "ovf",
    }],
  };
}

export interface OvfTemplateParams {
  /** An OVF of the base image (fixtures/virtualbox-stand-in.ts baseImageOvf()). */
  sourcePath: string;
  outputDir: string;
  /** The file the shell provisioner writes in the guest, and what it writes. */
  markerPath: string;
  marker: string;
}

/** virtualbox-ovf: import the base image, SSH in as root, write a marker file, power off, export. */
export function virtualboxOvfTemplate(p: OvfTemplateParams): Record<string, unknown> {
  return {
    builders: [{
      type: "virtualbox-ovf",
      source_path: p.sourcePath,
      checksum: "none",
      guest_additions_mode: "disable",
      headless: true,
      communicator: "ssh",
      ssh_username: "root",
      ssh_password: BASE_IMAGE_ROOT_PASSWORD,
      ssh_timeout: "8m",
      shutdown_command: "poweroff",
      shutdown_timeout: "3m",
      vboxmanage: [["modifyvm", "{{.Name}}", "--memory", "512", "--cpus", "1"]],
      output_directory: p.outputDir,
      format: "ovf",
    }],
    provisioners: [{ type: "shell", inline: [`echo '${p.marker}' > ${p.markerPath}`, "sync"] }],
  };
}
