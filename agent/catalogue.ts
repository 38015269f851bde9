/**
 * Which plugin runs each Packer type on this machine. Plugins load on first use, so a template
 * with a null builder and shell-local never pays for ssh2 or tar at start-up.
 */
import type { BuilderPlugin } from "./builders/types.js";
import type { PostProcessorPlugin } from "./postprocessors/types.js";
import type { ProvisionerPlugin } from "./provisioners/types.js";
import type { RunnableBuilderType, RunnablePostProcessorType, RunnableProvisionerType } from "../shared/components/runnable-types.js";

type Loader<T> = () => Promise<T>;

// Keyed by shared/components/runnable-types.ts: a plugin added here must be named there too.
const builders: Record<RunnableBuilderType, Loader<BuilderPlugin<unknown>>> = {
  file: async () => (await import("./builders/file/index.js")).plugin as BuilderPlugin<unknown>,
  null: async () => (await import("./builders/null/index.js")).plugin as BuilderPlugin<unknown>,
  docker: async () => (await import("./builders/docker/index.js")).plugin as BuilderPlugin<unknown>,
  qemu: async () => (await import("./builders/qemu/index.js")).plugin as BuilderPlugin<unknown>,
  "amazon-ebs": async () => (await import("./builders/amazon-ebs/index.js")).plugin as BuilderPlugin<unknown>,
  "amazon-ebsvolume": async () => (await import("./builders/amazon-ebsvolume/index.js")).plugin as BuilderPlugin<unknown>,
  "amazon-ebssurrogate": async () => (await import("./builders/amazon-ebssurrogate/index.js")).plugin as BuilderPlugin<unknown>,
  libvirt: async () => (await import("./builders/libvirt/index.js")).plugin as BuilderPlugin<unknown>,
  "virtualbox-iso": async () => (await import("./builders/virtualbox/index.js")).isoPlugin as BuilderPlugin<unknown>,
  "virtualbox-ovf": async () => (await import("./builders/virtualbox/index.js")).ovfPlugin as BuilderPlugin<unknown>,
  "vmware-iso": async () => (await import("./builders/vmware/index.js")).isoPlugin as BuilderPlugin<unknown>,
  "vmware-vmx": async () => (await import("./builders/vmware/index.js")).vmxPlugin as BuilderPlugin<unknown>,
};

const provisioners: Record<RunnableProvisionerType, Loader<ProvisionerPlugin<unknown>>> = {
  shell: async () => (await import("./provisioners/shell/index.js")).plugin as ProvisionerPlugin<unknown>,
  file: async () => (await import("./provisioners/file/index.js")).plugin as ProvisionerPlugin<unknown>,
  breakpoint: async () => (await import("./provisioners/breakpoint/index.js")).plugin as ProvisionerPlugin<unknown>,
  "shell-local": async () => (await import("./provisioners/shell-local/index.js")).plugin as ProvisionerPlugin<unknown>,
  sleep: async () => (await import("./provisioners/sleep/index.js")).plugin as ProvisionerPlugin<unknown>,
  ansible: async () => (await import("./provisioners/ansible/index.js")).plugin as ProvisionerPlugin<unknown>,
  "ansible-local": async () => (await import("./provisioners/ansible-local/index.js")).plugin as ProvisionerPlugin<unknown>,
  "puppet-masterless": async () => (await import("./provisioners/puppet-masterless/index.js")).plugin as ProvisionerPlugin<unknown>,
};

const postProcessors: Record<RunnablePostProcessorType, Loader<PostProcessorPlugin<unknown>>> = {
  manifest: async () => (await import("./postprocessors/manifest/index.js")).plugin as PostProcessorPlugin<unknown>,
  checksum: async () => (await import("./postprocessors/checksum/index.js")).plugin as PostProcessorPlugin<unknown>,
  compress: async () => (await import("./postprocessors/compress/index.js")).plugin as PostProcessorPlugin<unknown>,
  artifice: async () => (await import("./postprocessors/artifice/index.js")).plugin as PostProcessorPlugin<unknown>,
  "shell-local": async () => (await import("./postprocessors/shell-local/index.js")).plugin as PostProcessorPlugin<unknown>,
  "docker-import": async () => (await import("./postprocessors/docker-import/index.js")).plugin as PostProcessorPlugin<unknown>,
  "docker-tag": async () => (await import("./postprocessors/docker-tag/index.js")).plugin as PostProcessorPlugin<unknown>,
  "docker-push": async () => (await import("./postprocessors/docker-push/index.js")).plugin as PostProcessorPlugin<unknown>,
  "docker-save": async () => (await import("./postprocessors/docker-save/index.js")).plugin as PostProcessorPlugin<unknown>,
  vagrant: async () => (await import("./postprocessors/vagrant/index.js")).plugin as PostProcessorPlugin<unknown>,
};

export class UnsupportedComponentError extends Error {
  constructor(kind: string, type: string) {
    super(`Kiln cannot run the ${kind} type "${type}" on this machine yet`);
    this.name = "UnsupportedComponentError";
  }
}

export interface PluginCatalogue {
  builder(type: string): Promise<BuilderPlugin<unknown>>;
  provisioner(type: string): Promise<ProvisionerPlugin<unknown>>;
  postProcessor(type: string): Promise<PostProcessorPlugin<unknown>>;
  canRun(kind: "builder" | "provisioner" | "post-processor", type: string): boolean;
}

function lookup<T>(table: Readonly<Record<string, Loader<T>>>, kind: string, type: string): Promise<T> {
  const load = Object.prototype.hasOwnProperty.call(table, type) ? table[type] : undefined;
  if (!load) return Promise.reject(new UnsupportedComponentError(kind, type));
  return load();
}

export const defaultCatalogue: PluginCatalogue = {
  builder: (type) => lookup(builders, "builder", type),
  provisioner: (type) => lookup(provisioners, "provisioner", type),
  postProcessor: (type) => lookup(postProcessors, "post-processor", type),
  canRun(kind, type) {
    const table = kind === "builder" ? builders : kind === "provisioner" ? provisioners : postProcessors;
    return Object.prototype.hasOwnProperty.call(table, type);
  },
};
