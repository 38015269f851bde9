/**
 * What each Vagrant provider puts in a box, from the artifact a builder made (Packer's
 * post-processor/vagrant/<provider>.go): the files copied or converted into the box folder,
 * metadata.json's contents, and the provider's part of the Vagrantfile.
 */
import { link, copyFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { diskInfo } from "../../builders/common/disk-info.js";
import { runProgram } from "../../builders/common/run-program.js";
import type { Artifact } from "../../runner/artifact.js";

export interface ProviderInput {
  artifact: Artifact;
  /** The box's staging folder. */
  folder: string;
  workDir: string;
  signal: AbortSignal;
  message(text: string): void;
}

export interface ProviderBox {
  vagrantfile: string;
  metadata: Record<string, unknown>;
}

export type ProviderName = "libvirt" | "docker" | "aws" | "google";

/** Packer's builder id → provider table, for the builders whose artifacts Kiln makes. */
const PROVIDER_BY_BUILDER_ID: Readonly<Record<string, ProviderName>> = {
  "transcend.qemu": "libvirt",
  "thomasklein94.libvirt": "libvirt",
  "mitchellh.amazonebs": "aws",
  "mitchellh.amazon.instance": "aws",
  "packer.googlecompute": "google",
  "packer.post-processor.docker-import": "docker",
  "packer.post-processor.docker-tag": "docker",
  "packer.post-processor.docker-push": "docker",
};

export function providerForBuilderId(builderId: string): ProviderName | undefined {
  return Object.prototype.hasOwnProperty.call(PROVIDER_BY_BUILDER_ID, builderId) ? PROVIDER_BY_BUILDER_ID[builderId] : undefined;
}

export function isKnownProvider(name: string): name is ProviderName {
  return name === "libvirt" || name === "docker" || name === "aws" || name === "google";
}

export const PROVIDERS: Readonly<Record<ProviderName, (input: ProviderInput) => Promise<ProviderBox>>> = {
  libvirt: libvirtBox,
  docker: async ({ artifact }) => ({
    metadata: { provider: "docker" },
    vagrantfile: `
Vagrant.configure("2") do |config|
\tconfig.vm.provider :docker do |docker, override|
\t\tdocker.image = "${artifact.id}"
\tend
end
`,
  }),
  aws: async ({ artifact }) => {
    // The artifact id is "region:ami,region:ami" (one pair per ami_regions copy).
    const images = new Map<string, string>();
    for (const pair of artifact.id.split(",")) {
      const parts = pair.split(":");
      if (parts.length !== 2) throw new Error(`Poorly formatted artifact ID: ${artifact.id}`);
      images.set(parts[0]!, parts[1]!);
    }
    // Go's text/template ranges over a map in key order.
    const lines = [...images.keys()].sort().map((region) => `\n\taws.region_config "${region}", ami: "${images.get(region)}"\n\t`);
    return {
      metadata: { provider: "aws" },
      vagrantfile: `
Vagrant.configure("2") do |config|
  config.vm.provider "aws" do |aws|
    ${lines.join("")}
  end
end
`,
    };
  },
  google: async ({ artifact }) => ({
    metadata: { provider: "google" },
    vagrantfile: `
Vagrant.configure("2") do |config|
  config.vm.provider :google do |google|
    google.image = "${artifact.id}"
  end
end
`,
  }),
};

/**
 * vagrant-libvirt's box: the disk as box.img, its format and virtual size in GB (rounded up).
 * Packer copies the disk; here it is hard-linked when it can be (same filesystem, and the box
 * only reads it). A disk layered on a backing file (qemu's use_backing_file) is flattened
 * instead: a box holding only the overlay would not boot anywhere else.
 */
async function libvirtBox({ artifact, folder, workDir, signal, message }: ProviderInput): Promise<ProviderBox> {
  const diskPath = typeof artifact.state?.diskPath === "string" ? artifact.state.diskPath : artifact.files[0];
  if (diskPath === undefined) throw new Error("The artifact has no disk image to put in a libvirt box");
  const source = resolve(workDir, diskPath);
  const info = await diskInfo(source, signal);
  const target = join(folder, "box.img");
  message(`Copying from artifact: ${diskPath}`);
  if (info.backingFile !== undefined) {
    await runProgram("qemu-img", ["convert", "-O", info.format, source, target], signal);
  } else {
    try {
      await link(source, target);
    } catch {
      await copyFile(source, target);
    }
  }
  const domainType = typeof artifact.state?.domainType === "string" ? artifact.state.domainType : "tcg";
  let driver: string;
  if (domainType === "kvm") driver = "kvm";
  else if (["none", "tcg", "hvf", "qemu"].includes(domainType)) driver = "qemu";
  else throw new Error(`Unknown libvirt domain type: ${domainType}`);
  const gib = 1024 ** 3;
  return {
    metadata: { provider: "libvirt", format: info.format, virtual_size: Math.ceil(info.virtualSize / gib) },
    vagrantfile: `
Vagrant.configure("2") do |config|
  config.vm.provider :libvirt do |libvirt|
    libvirt.driver = "${driver}"
  end
end
`,
  };
}
