/**
 * Which schema checks each component type. Three answers for a type name: a schema (Kiln validates
 * it), `knownToPacker` without a schema (a real Packer type Kiln cannot check or run yet), or
 * neither (nobody knows it: Packer's `Unknown builder X`).
 */
import type { BuilderSchema, ComponentKind, ComponentSchema } from "./types.js";
import { PACKER_BUILDER_TYPES, PACKER_POST_PROCESSOR_TYPES, PACKER_PROVISIONER_TYPES } from "./packer-components.js";
import { schema as amazonEbs } from "./builders/amazon-ebs.js";
import { schema as amazonEbssurrogate } from "./builders/amazon-ebssurrogate.js";
import { schema as amazonEbsvolume } from "./builders/amazon-ebsvolume.js";
import { schema as dockerBuilder } from "./builders/docker.js";
import { schema as fileBuilder } from "./builders/file.js";
import { schema as googlecompute } from "./builders/googlecompute.js";
import { schema as libvirt } from "./builders/libvirt.js";
import { schema as nullBuilder } from "./builders/null.js";
import { schema as qemu } from "./builders/qemu.js";
import { schema as virtualboxIso } from "./builders/virtualbox-iso.js";
import { schema as virtualboxOvf } from "./builders/virtualbox-ovf.js";
import { schema as vmwareIso } from "./builders/vmware-iso.js";
import { schema as vmwareVmx } from "./builders/vmware-vmx.js";
import { schema as ansibleProvisioner } from "./provisioners/ansible.js";
import { schema as ansibleLocalProvisioner } from "./provisioners/ansible-local.js";
import { schema as puppetMasterlessProvisioner } from "./provisioners/puppet-masterless.js";
import { schema as breakpointProvisioner } from "./provisioners/breakpoint.js";
import { schema as fileProvisioner } from "./provisioners/file.js";
import { schema as shellProvisioner } from "./provisioners/shell.js";
import { schema as shellLocalProvisioner } from "./provisioners/shell-local.js";
import { schema as artifice } from "./post-processors/artifice.js";
import { schema as checksum } from "./post-processors/checksum.js";
import { schema as compress } from "./post-processors/compress.js";
import { schema as dockerImport } from "./post-processors/docker-import.js";
import { schema as dockerPush } from "./post-processors/docker-push.js";
import { schema as dockerSave } from "./post-processors/docker-save.js";
import { schema as dockerTag } from "./post-processors/docker-tag.js";
import { schema as manifest } from "./post-processors/manifest.js";
import { schema as shellLocalPostProcessor } from "./post-processors/shell-local.js";
import { schema as vagrant } from "./post-processors/vagrant.js";

const builders = new Map<string, BuilderSchema<unknown>>(
  [amazonEbs, amazonEbssurrogate, amazonEbsvolume, dockerBuilder, fileBuilder, googlecompute, libvirt, nullBuilder, qemu, virtualboxIso, virtualboxOvf, vmwareIso, vmwareVmx].map(
    (s) => [s.type, s as BuilderSchema<unknown>],
  ),
);

const provisioners = new Map<string, ComponentSchema<unknown>>(
  [ansibleProvisioner, ansibleLocalProvisioner, puppetMasterlessProvisioner, breakpointProvisioner, fileProvisioner, shellProvisioner, shellLocalProvisioner].map((s) => [s.type, s as ComponentSchema<unknown>]),
);

const postProcessors = new Map<string, ComponentSchema<unknown>>(
  [artifice, checksum, compress, dockerImport, dockerPush, dockerSave, dockerTag, manifest, shellLocalPostProcessor, vagrant].map(
    (s) => [s.type, s as ComponentSchema<unknown>],
  ),
);

export function builderSchema(type: string): BuilderSchema<unknown> | undefined {
  return builders.get(type);
}

export function provisionerSchema(type: string): ComponentSchema<unknown> | undefined {
  return provisioners.get(type);
}

export function postProcessorSchema(type: string): ComponentSchema<unknown> | undefined {
  return postProcessors.get(type);
}

export function schemaFor(kind: ComponentKind, type: string): ComponentSchema<unknown> | undefined {
  if (kind === "builder") return builderSchema(type);
  if (kind === "provisioner") return provisionerSchema(type);
  return postProcessorSchema(type);
}

function packerTypes(kind: ComponentKind): readonly string[] {
  return kind === "builder" ? PACKER_BUILDER_TYPES : kind === "provisioner" ? PACKER_PROVISIONER_TYPES : PACKER_POST_PROCESSOR_TYPES;
}

/** True when Packer 1.6.6 has a component of this kind and type (whether or not Kiln has a schema). */
export function knownToPacker(kind: ComponentKind, type: string): boolean {
  return packerTypes(kind).includes(type);
}

/** Every type a template may name: Kiln's own and Packer 1.6.6's, sorted (an unknown type's message lists them). */
export function acceptedTypes(kind: ComponentKind): string[] {
  return [...new Set([...supportedTypes(kind), ...packerTypes(kind)])].sort();
}

/** Type names Kiln has a schema for, sorted (for messages and `kiln --help`). */
export function supportedTypes(kind: ComponentKind): string[] {
  const table = kind === "builder" ? builders : kind === "provisioner" ? provisioners : postProcessors;
  return [...table.keys()].sort();
}
