import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigReader } from "../config-reader.js";
import type { ComponentSchema } from "../types.js";

/** Packer's `vagrant` post-processor: packs a builder's artifact into a Vagrant box. */
export interface Config {
  compressionLevel: number;
  include: string[];
  /** Raw template rendered per artifact (`{{ .BuildName }}`, `{{ .Provider }}`). */
  output: string;
  vagrantfileTemplate?: string;
  vagrantfileTemplateGenerated: boolean;
  providerOverride?: string;
  /** provider name → keys overriding the ones above for that provider. */
  override: Record<string, Record<string, unknown>>;
}

const PROVIDERS = ["aws", "azure", "digitalocean", "docker", "google", "hyperv", "libvirt", "lxc", "parallels", "scaleway", "virtualbox", "vmware"];

export const schema: ComponentSchema<Config> = {
  kind: "post-processor",
  type: "vagrant",
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "post-processor", interpolation: ctx.interpolation, renderLater: ["output", "override"] });
    const compressionLevel = r.has("compression_level") ? r.int("compression_level", 6) : 6;
    if (compressionLevel < -1 || compressionLevel > 9) r.problem("compression_level", "compression_level must be between -1 and 9");
    const include = r.stringList("include");
    const output = r.string("output", "") || "packer_{{ .BuildName }}_{{.Provider}}.box";
    const vagrantfileTemplate = r.string("vagrantfile_template") || undefined;
    const vagrantfileTemplateGenerated = r.bool("vagrantfile_template_generated");
    if (vagrantfileTemplate && !vagrantfileTemplateGenerated && !existsSync(resolve(ctx.cwd, vagrantfileTemplate))) {
      r.problem("vagrantfile_template", `vagrantfile_template '${vagrantfileTemplate}' does not exist`);
    }
    const providerOverride = r.string("provider_override") || undefined;
    if (providerOverride && !PROVIDERS.includes(providerOverride)) {
      r.problem("provider_override", `vagrant provider_override '${providerOverride}' is not one of: ${PROVIDERS.join(", ")}`);
    }
    const rawOverride = r.value("override");
    const override: Record<string, Record<string, unknown>> = {};
    if (rawOverride && typeof rawOverride === "object" && !Array.isArray(rawOverride)) {
      for (const [provider, keys] of Object.entries(rawOverride as Record<string, unknown>)) {
        if (keys && typeof keys === "object" && !Array.isArray(keys)) override[provider] = keys as Record<string, unknown>;
        else r.problem("override", `override.${provider} must be an object of settings`);
      }
    } else if (rawOverride !== undefined) r.problem("override", "'override' expected a map of provider name to settings");
    r.finish();
    return { compressionLevel, include, output, vagrantfileTemplate, vagrantfileTemplateGenerated, providerOverride, override };
  },
};
