/**
 * Every component type name Packer 1.6.6 knows (the Debian build the conformance corpus was
 * recorded with, plus the few upstream types that build lacks). A type in these lists that Kiln has
 * no schema for is "known to Packer, not supported by Kiln yet"; a type outside them is unknown,
 * as Packer's `Unknown builder X` says.
 */
export const PACKER_BUILDER_TYPES: readonly string[] = [
  "alicloud-ecs", "amazon-chroot", "amazon-ebs", "amazon-ebssurrogate", "amazon-ebsvolume",
  "amazon-instance", "azure-arm", "azure-chroot", "azure-dtl", "cloudstack", "digitalocean", "docker",
  "file", "googlecompute", "hcloud", "hyperone", "hyperv-iso", "hyperv-vmcx", "jdcloud", "linode", "lxc",
  "lxd", "ncloud", "null", "oneandone", "openstack", "oracle-classic", "oracle-oci", "osc-bsu",
  "osc-bsusurrogate", "osc-bsuvolume", "osc-chroot", "parallels-iso", "parallels-pvm", "profitbricks",
  "proxmox", "proxmox-clone", "proxmox-iso", "qemu", "scaleway", "tencentcloud-cvm", "triton",
  "ucloud-uhost", "vagrant", "virtualbox-iso", "virtualbox-ovf", "virtualbox-vm", "vmware-iso",
  "vmware-vmx", "vsphere-clone", "vsphere-iso", "yandex",
];

export const PACKER_PROVISIONER_TYPES: readonly string[] = [
  "ansible", "ansible-local", "azure-dtlartifact", "breakpoint", "chef-client", "chef-solo", "converge",
  "file", "inspec", "powershell", "puppet-masterless", "puppet-server", "salt-masterless", "shell",
  "shell-local", "sleep", "windows-restart", "windows-shell",
];

export const PACKER_POST_PROCESSOR_TYPES: readonly string[] = [
  "alicloud-import", "amazon-import", "artifice", "checksum", "compress", "digitalocean-import",
  "docker-import", "docker-push", "docker-save", "docker-tag", "exoscale-import", "googlecompute-export",
  "googlecompute-import", "manifest", "shell-local", "ucloud-import", "vagrant", "vagrant-cloud", "vsphere",
  "vsphere-template", "yandex-export", "yandex-import",
];
