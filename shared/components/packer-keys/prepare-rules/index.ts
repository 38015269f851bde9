/**
 * The checks Packer 1.6.6's Prepare makes after decoding, for types Kiln validates but has no
 * schema of its own for: required settings and the combinations Packer refuses, with Packer's
 * messages (transcribed from each plugin's Prepare; environment fallbacks included, since Packer
 * reads them there). Types not listed here get the decoder's checks only. This file says which
 * rule each type runs and what Packer runs around it (communicator and floppy checks, template
 * functions, a failed decode); the rules themselves live in a file per family.
 */
import { readCommunicatorConfig } from "../../communicator/ssh.js";
import { readFloppyCdConfig } from "../../vm-config/floppy-cd.js";
import { packerKeysOf } from "../check-keys.js";
import { amazonChroot, amazonImport, amazonInstance } from "./amazon.js";
import { AZURE_METADATA_UNREAD, azureArm, azureChroot, azureDtl } from "./azure.js";
import { lxc, lxd } from "./containers.js";
import { hypervIso, hypervVmcx } from "./hyperv.js";
import { openstack } from "./openstack.js";
import { oracleClassic, oracleOci } from "./oracle.js";
import { parallelsIso, parallelsPvm } from "./parallels.js";
import {
  alicloudImport, digitaloceanImport, exoscaleImport, googlecomputeExport, googlecomputeImport, vagrantCloud, vspherePostProcessor, vsphereTemplate,
} from "./post-processors.js";
import { chefClient, chefSolo, inspec, saltMasterless, windowsScripts } from "./provisioners.js";
import { proxmoxCommon, proxmoxIso } from "./proxmox.js";
import {
  alicloudEcs, cloudstack, digitalocean, hcloud, jdcloud, ncloud, oneandone, profitbricks, scaleway, tencentcloudCvm,
} from "./small-clouds.js";
import { triton } from "./triton.js";
import { vagrantBuilder } from "./vagrant.js";
import { vsphereClone, vsphereIso } from "./vsphere.js";
import type { ConfigProblem } from "../../problems.js";
import type { ComponentKind } from "../../types.js";
import type { PrepareRule } from "./prepare-rule.js";
import { checkWrittenBootCommand } from "../../vm-config/boot.js";

export type { PrepareRule } from "./prepare-rule.js";

const RULES: Record<ComponentKind, Record<string, PrepareRule>> = {
  builder: {
    "vsphere-iso": vsphereIso,
    "vsphere-clone": vsphereClone,
    "hyperv-iso": hypervIso,
    "hyperv-vmcx": hypervVmcx,
    "alicloud-ecs": alicloudEcs,
    "parallels-iso": parallelsIso,
    "parallels-pvm": parallelsPvm,
    "amazon-chroot": amazonChroot,
    "amazon-instance": amazonInstance,
    vagrant: vagrantBuilder,
    "azure-arm": azureArm,
    "azure-chroot": azureChroot,
    "azure-dtl": azureDtl,
    digitalocean,
    hcloud,
    lxc,
    lxd,
    openstack,
    cloudstack,
    jdcloud,
    ncloud,
    oneandone,
    profitbricks,
    scaleway,
    "tencentcloud-cvm": tencentcloudCvm,
    triton,
    "oracle-classic": oracleClassic,
    "oracle-oci": oracleOci,
    proxmox: proxmoxIso,
    "proxmox-iso": proxmoxIso,
    "proxmox-clone": proxmoxCommon,
    // Of virtualbox-vm's Prepare, Kiln checks the communicator (below) and the boot command.
    "virtualbox-vm": (r) => checkWrittenBootCommand(r),
  },
  provisioner: {
    powershell: windowsScripts,
    "windows-shell": windowsScripts,
    "salt-masterless": saltMasterless,
    "chef-solo": chefSolo,
    "chef-client": chefClient,
    inspec,
  },
  "post-processor": {
    "amazon-import": amazonImport,
    "alicloud-import": alicloudImport,
    "digitalocean-import": digitaloceanImport,
    "exoscale-import": exoscaleImport,
    "googlecompute-export": googlecomputeExport,
    "googlecompute-import": googlecomputeImport,
    "vagrant-cloud": vagrantCloud,
    vsphere: vspherePostProcessor,
    "vsphere-template": vsphereTemplate,
  },
};

/**
 * Builders whose Prepare runs Packer's communicator checks (Comm.Prepare: an ssh_username for ssh,
 * a winrm_username for winrm, a known communicator type…) without setting defaults of their own
 * first (azure-arm, azure-dtl, hyperone and oracle-classic do, so they are not listed).
 */
const COMMUNICATOR_CHECKED = new Set([
  "cloudstack", "digitalocean",
  "hcloud", "hyperv-iso", "hyperv-vmcx", "jdcloud", "linode", "ncloud", "oneandone", "openstack", "oracle-oci",
  "osc-bsu", "osc-bsusurrogate", "osc-bsuvolume", "parallels-iso", "parallels-pvm", "profitbricks", "proxmox",
  "proxmox-iso", "proxmox-clone", "scaleway", "tencentcloud-cvm", "triton", "ucloud-uhost", "virtualbox-ovf",
  "virtualbox-vm", "vmware-vmx", "vsphere-clone", "vsphere-iso",
]);

/**
 * Template functions a type's Prepare adds for its own settings: azure-chroot's `vm` reads the
 * host's Azure instance metadata (Packer fails there off Azure; Kiln does not ask).
 */
const TEMPLATE_FUNCS: Partial<Record<ComponentKind, Record<string, Record<string, (...args: unknown[]) => unknown>>>> = {
  builder: {
    "azure-chroot": {
      vm: () => {
        throw new Error(AZURE_METADATA_UNREAD);
      },
    },
  },
};

export function templateFuncsFor(kind: ComponentKind, type: string): Record<string, (...args: unknown[]) => unknown> | undefined {
  return TEMPLATE_FUNCS[kind]?.[type];
}

/**
 * Builders whose Prepare reports a failed decode differently from returning the decoder's errors
 * alone: triton appends them to its list and checks on; jdcloud replaces them with one sentence.
 */
const DECODE_FAILURES: Partial<Record<string, (all: readonly ConfigProblem[]) => ConfigProblem[]>> = {
  triton: (all) => [...all.filter((p) => p.phase), ...all.filter((p) => !p.phase)],
  jdcloud: (all) => [{ message: "[ERROR] Failed in decoding JSON->mapstructure", position: all.find((p) => p.phase)?.position }],
};

export function decodeFailureFor(kind: ComponentKind, type: string): ((all: readonly ConfigProblem[]) => ConfigProblem[]) | undefined {
  return kind === "builder" ? DECODE_FAILURES[type] : undefined;
}

export function prepareRuleFor(kind: ComponentKind, type: string): PrepareRule | undefined {
  const own = RULES[kind][type];
  if (kind !== "builder") return own;
  const keys = packerKeysOf(kind, type)?.keys ?? {};
  // Every builder with floppy_files runs Packer's FloppyConfig.Prepare (files and folders must exist).
  const floppy = "floppy_files" in keys;
  const communicator = COMMUNICATOR_CHECKED.has(type);
  if (!floppy && !communicator) return own;
  return (r, ctx) => {
    if (communicator) readCommunicatorConfig(r, { cwd: ctx.cwd });
    if (floppy) readFloppyCdConfig(r, ctx.cwd, { cd: "cd_files" in keys });
    own?.(r, ctx);
  };
}
