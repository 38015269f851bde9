import { ConfigReader } from "../config-reader.js";
import type { BuilderSchema } from "../types.js";
import { cleanAmiName } from "./amazon-ami-name.js";
import { readAmazonAmiConfig, type AmazonAmiConfig } from "./amazon-ami-config.js";
import { readAmazonAccess, readBlockDevices, readRawStringMap, type AmazonAccessConfig, type BlockDeviceMapping } from "./amazon-common.js";
import { isSpotInstance, readAmazonRunConfig, runKeysNotYetRun, type AmazonRunConfig } from "./amazon-run-config.js";

/**
 * Packer's `amazon-ebs` builder (1.6.6 keys): AccessConfig, AMIConfig, RunConfig and the block
 * device mappings, checked in Packer's order. Keys Kiln does not act on yet are accepted so
 * templates validate; the agent's builder refuses the ones that would change the result.
 */
export interface Config extends AmazonRunConfig, AmazonAmiConfig {
  access: AmazonAccessConfig;
  runVolumeTags: Record<string, string>;
  amiBlockDeviceMappings: BlockDeviceMapping[];
  launchBlockDeviceMappings: BlockDeviceMapping[];
  /** Keys given that Kiln's builder cannot honour yet: the agent refuses to run with them. */
  unsupported: string[];
}

/** Packer's spot check, shared by amazon-ebs and amazon-ebsvolume (surrogate does not make it). */
export const SPOT_MODIFY_PROBLEM = "Spot instances do not support modification, which is required when either `ena_support` or `sriov_support` are set. Please ensure you use an AMI that already has either SR-IOV or ENA enabled.";

export const schema: BuilderSchema<Config> = {
  kind: "builder",
  type: "amazon-ebs",
  needs: ["aws"],
  prepare(raw, ctx) {
    // Packer 1.6.6 removed `clean_ami_name` (`packer fix` rewrites it): only clean_resource_name.
    const funcs = { ...ctx.interpolation.funcs, clean_resource_name: cleanAmiName };
    const r = new ConfigReader(raw, { kind: "builder",
      interpolation: { ...ctx.interpolation, funcs },
      partial: true,
      renderLater: ["run_tags", "tags", "snapshot_tags", "run_volume_tags", "spot_tags"],
    });
    const access = readAmazonAccess(r);
    const ami = readAmazonAmiConfig(r, access);
    const amiBlockDeviceMappings = readBlockDevices(r, "ami_block_device_mappings");
    const launchBlockDeviceMappings = readBlockDevices(r, "launch_block_device_mappings");
    const run = readAmazonRunConfig(r, ctx);
    if (isSpotInstance(run) && (ami.enaSupport === true || ami.sriovSupport)) r.problem("spot_price", SPOT_MODIFY_PROBLEM);
    if (ami.amiVirtualizationType && ami.amiVirtualizationType !== "hvm" && ami.amiVirtualizationType !== "paravirtual") {
      r.problem("ami_virtualization_type", "ami_virtualization_type must be 'hvm' or 'paravirtual'");
    }
    const config: Config = {
      access,
      ...ami,
      ...run,
      runVolumeTags: readRawStringMap(r, "run_volume_tags"),
      amiBlockDeviceMappings,
      launchBlockDeviceMappings,
      unsupported: runKeysNotYetRun(r, run),
    };
    r.finish();
    return config;
  },
};
