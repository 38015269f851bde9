/**
 * The Packer types this Kiln version can run (it validates many more). Defined here, not in
 * agent/, so the controller can refuse a template before queueing without importing agent code;
 * agent/catalogue.ts keys its plugin tables by these names, so the compiler keeps the two in step.
 */
export const RUNNABLE_TYPES = {
  builder: ["file", "null", "docker", "qemu", "amazon-ebs", "amazon-ebsvolume", "amazon-ebssurrogate", "libvirt", "virtualbox-iso", "virtualbox-ovf", "vmware-iso", "vmware-vmx"],
  provisioner: ["shell", "file", "breakpoint", "shell-local", "sleep", "ansible", "ansible-local", "puppet-masterless"],
  "post-processor": ["manifest", "checksum", "compress", "artifice", "shell-local", "docker-import", "docker-tag", "docker-push", "docker-save", "vagrant"],
} as const;

export type RunnableKind = keyof typeof RUNNABLE_TYPES;
export type RunnableBuilderType = (typeof RUNNABLE_TYPES)["builder"][number];
export type RunnableProvisionerType = (typeof RUNNABLE_TYPES)["provisioner"][number];
export type RunnablePostProcessorType = (typeof RUNNABLE_TYPES)["post-processor"][number];

export function isRunnableType(kind: RunnableKind, type: string): boolean {
  return (RUNNABLE_TYPES[kind] as readonly string[]).includes(type);
}
