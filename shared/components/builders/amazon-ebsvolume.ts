import { ConfigReader } from "../config-reader.js";
import type { BuilderSchema } from "../types.js";
import { cleanAmiName } from "./amazon-ami-name.js";
import { readTrilean } from "./amazon-ami-config.js";
import { readAmazonAccess, readBlockDevices, readRawStringMap, type AmazonAccessConfig, type BlockDeviceMapping } from "./amazon-common.js";
import { SPOT_MODIFY_PROBLEM } from "./amazon-ebs.js";
import { isSpotInstance, readAmazonRunConfig, runKeysNotYetRun, type AmazonRunConfig } from "./amazon-run-config.js";

/**
 * Packer's `amazon-ebsvolume` builder (1.6.6 keys): launch an instance with `ebs_volumes`,
 * provision it, stop it; the volumes not deleted on termination, tagged with their own `tags`,
 * are the artifact. No AMI, so no AMIConfig.
 */
export interface Config extends AmazonRunConfig {
  access: AmazonAccessConfig;
  enaSupport?: boolean;
  sriovSupport: boolean;
  /** The volumes launched with the instance; each one's `tags` replace run_volume_tags once it runs. */
  ebsVolumes: BlockDeviceMapping[];
  runVolumeTags: Record<string, string>;
  unsupported: string[];
}

export const schema: BuilderSchema<Config> = {
  kind: "builder",
  type: "amazon-ebsvolume",
  needs: ["aws"],
  prepare(raw, ctx) {
    const funcs = { ...ctx.interpolation.funcs, clean_resource_name: cleanAmiName };
    // Packer renders ebs_volumes at Prepare with {{ .BuildRegion }} and {{ .SourceAMI }} passed
    // through unchanged, so the volume tags can use them once the source AMI is known.
    const data = { ...(ctx.interpolation.data ?? {}), BuildRegion: "{{ .BuildRegion }}", SourceAMI: "{{ .SourceAMI }}" };
    const r = new ConfigReader(raw, { kind: "builder",
      interpolation: { ...ctx.interpolation, funcs, data },
      partial: true,
      renderLater: ["run_tags", "run_volume_tags", "spot_tags"],
    });
    const access = readAmazonAccess(r);
    const run = readAmazonRunConfig(r, ctx);
    const ebsVolumes = readBlockDevices(r, "ebs_volumes", "AMIMapping: ");
    const enaSupport = readTrilean(r, "ena_support");
    const sriovSupport = r.bool("sriov_support");
    if (isSpotInstance(run) && (enaSupport === true || sriovSupport)) r.problem("spot_price", SPOT_MODIFY_PROBLEM);
    const config: Config = {
      access,
      ...run,
      enaSupport,
      sriovSupport,
      ebsVolumes,
      runVolumeTags: readRawStringMap(r, "run_volume_tags"),
      unsupported: runKeysNotYetRun(r, run),
    };
    r.finish();
    return config;
  },
};
