/**
 * Packer's `vagrant` post-processor: turns a builder's artifact into a Vagrant box for the
 * provider that artifact suits (qemu → libvirt, docker commit/tag/push → docker, amazon-ebs →
 * aws), or for `provider_override`. The box is staged in a scratch folder (include files,
 * provider files, metadata.json, Vagrantfile) that is removed whatever happens.
 */
import { mkdtemp, readFile, rm, writeFile, copyFile, access } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { schema, type Config } from "../../../shared/components/post-processors/vagrant.js";
import { render } from "../../../shared/template/interpolate/index.js";
import type { PostProcessorPlugin } from "../types.js";
import { folderToBox } from "./box-archive.js";
import { isKnownProvider, PROVIDERS, providerForBuilderId, type ProviderName } from "./providers.js";

export const BUILDER_ID = "mitchellh.post-processor.vagrant";
const ARTIFICE_ID = "packer.post-processor.artifice";

export const plugin: PostProcessorPlugin<Config> = {
  schema,
  async postProcess(ctx, config, input) {
    const provider = chooseProvider(config, input.builderId);
    const data: Record<string, unknown> = { ...ctx.generated, ArtifactId: input.id, BuildName: ctx.build.name, Provider: provider };
    const renderText = (text: string, what: string): string => {
      try {
        return render(text, { ...ctx.prepare.interpolation, generated: ctx.generated, data });
      } catch (e) {
        throw new Error(`Error interpolating ${what}: ${(e as Error).message}`);
      }
    };
    const settings = withOverride(config, provider, renderText);
    ctx.ui.say(`Creating Vagrant box for '${provider}' provider`);
    const output = renderText(settings.output, "output");

    const folder = await mkdtemp(join(ctx.scratchDir, "vagrant-box-"));
    try {
      for (const src of settings.include) {
        ctx.ui.message(`Copying from include: ${src}`);
        try {
          await copyFile(resolve(ctx.workDir, src), join(folder, basename(src)));
        } catch (e) {
          throw new Error(`Error copying include file: ${src}\n\n${(e as Error).message}`);
        }
      }
      const box = await PROVIDERS[provider]({
        artifact: input,
        folder,
        workDir: ctx.workDir,
        signal: ctx.signal,
        message: (text) => ctx.ui.message(text),
      });
      // An include may bring its own metadata.json; Packer keeps it.
      const metadataPath = join(folder, "metadata.json");
      if (!(await exists(metadataPath))) await writeFile(metadataPath, `${JSON.stringify(box.metadata)}\n`);

      let custom = "";
      if (settings.vagrantfileTemplate !== undefined) {
        ctx.ui.message(`Using custom Vagrantfile: ${settings.vagrantfileTemplate}`);
        const text = await readFile(resolve(ctx.workDir, settings.vagrantfileTemplate), "utf8");
        custom = renderText(text, "vagrantfile_template");
      }
      await writeFile(join(folder, "Vagrantfile"), boxVagrantfile(box.vagrantfile, custom));
      await folderToBox(folder, resolve(ctx.workDir, output), settings.compressionLevel, ctx.signal);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
    return {
      artifact: { builderId: BUILDER_ID, id: provider, files: [output], description: `'${provider}' provider box: ${output}` },
      keepInput: false,
    };
  },
};

function chooseProvider(config: Config, builderId: string): ProviderName {
  const name = config.providerOverride ?? providerForBuilderId(builderId);
  if (name === undefined) {
    if (builderId === ARTIFICE_ID) {
      throw new Error(
        "Unknown provider type: When using an artifact created by the artifice post-processor, you need to set the provider_override option.",
      );
    }
    throw new Error(`Unknown artifact type, can't build box: ${builderId}`);
  }
  if (!isKnownProvider(name)) {
    throw new Error(`Kiln cannot make a Vagrant box for the '${name}' provider yet (it makes libvirt, docker, aws and google boxes)`);
  }
  return name;
}

interface ProviderSettings {
  compressionLevel: number;
  include: string[];
  output: string;
  vagrantfileTemplate?: string;
}

/** `override.<provider>` replaces the top-level settings for that provider's box (Packer's specificConfig). */
function withOverride(config: Config, provider: string, renderText: (text: string, what: string) => string): ProviderSettings {
  const settings: ProviderSettings = {
    compressionLevel: config.compressionLevel,
    include: config.include,
    output: config.output,
    vagrantfileTemplate: config.vagrantfileTemplate,
  };
  const override = config.override[provider];
  if (override === undefined) return settings;
  const where = (key: string): string => `override.${provider}.${key}`;
  for (const [key, value] of Object.entries(override)) {
    const text = (): string => {
      if (typeof value !== "string") throw new Error(`Error overriding config for ${provider}: ${where(key)} must be a string`);
      return value;
    };
    switch (key) {
      case "output":
        settings.output = text();
        break;
      case "vagrantfile_template":
        settings.vagrantfileTemplate = renderText(text(), where(key));
        break;
      case "compression_level": {
        const level = typeof value === "number" ? value : Number(renderText(text(), where(key)));
        if (!Number.isInteger(level) || level < -1 || level > 9) {
          throw new Error(`Error overriding config for ${provider}: ${where(key)}: Invalid compression level. Expected an integer from -1 to 9.`);
        }
        settings.compressionLevel = level;
        break;
      }
      case "include":
        if (!Array.isArray(value) || !value.every((v): v is string => typeof v === "string")) {
          throw new Error(`Error overriding config for ${provider}: ${where(key)} must be a list of file names`);
        }
        settings.include = value.map((v) => renderText(v, where(key)));
        break;
      default:
        throw new Error(`Error overriding config for ${provider}: '${where(key)}' is not a setting the override can change`);
    }
  }
  return settings;
}

/** Packer's box Vagrantfile: the provider's part, then the template's own. */
function boxVagrantfile(providerPart: string, customPart: string): string {
  return `
# The contents below were provided by the Packer Vagrant post-processor
${providerPart}

# The contents below (if any) are custom contents provided by the
# Packer template during image build.
${customPart}
`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
