import { ConfigReader } from "../config-reader.js";
import type { BuilderSchema } from "../types.js";
import { cleanAmiName } from "./amazon-ami-name.js";
import { readAmazonAmiConfig, type AmazonAmiConfig } from "./amazon-ami-config.js";
import { readAmazonAccess, readBlockDevices, readRawStringMap, type AmazonAccessConfig, type BlockDeviceMapping } from "./amazon-common.js";
import { readAmazonRunConfig, runKeysNotYetRun, type AmazonRunConfig } from "./amazon-run-config.js";
import { foldedView } from "../../template/key-fold.js";

/** ami_root_device: which launched volume becomes the AMI's root, and how it is mapped there. */
export interface RootBlockDevice {
  sourceDeviceName: string;
  deviceName: string;
  deleteOnTermination: boolean;
  iops: number;
  volumeType: string;
  volumeSize: number;
}

/**
 * Packer's `amazon-ebssurrogate` builder (1.6.6 keys): launch an instance with extra volumes
 * (launch_block_device_mappings), provision it (typically writing an OS onto a volume), stop it,
 * snapshot the volumes and register an AMI from the snapshots, `ami_root_device` naming the root.
 */
export interface Config extends AmazonRunConfig, AmazonAmiConfig {
  access: AmazonAccessConfig;
  amiBlockDeviceMappings: BlockDeviceMapping[];
  launchBlockDeviceMappings: BlockDeviceMapping[];
  amiRootDevice: RootBlockDevice;
  runVolumeTags: Record<string, string>;
  amiArchitecture: "x86_64" | "arm64";
  unsupported: string[];
}

export const schema: BuilderSchema<Config> = {
  kind: "builder",
  type: "amazon-ebssurrogate",
  needs: ["aws"],
  prepare(raw, ctx) {
    const funcs = { ...ctx.interpolation.funcs, clean_resource_name: cleanAmiName };
    const r = new ConfigReader(raw, { kind: "builder",
      interpolation: { ...ctx.interpolation, funcs },
      partial: true,
      renderLater: ["run_tags", "tags", "snapshot_tags", "run_volume_tags", "spot_tags"],
    });
    const access = readAmazonAccess(r);
    const run = readAmazonRunConfig(r, ctx);
    const ami = readAmazonAmiConfig(r, access);
    const amiBlockDeviceMappings = readBlockDevices(r, "ami_block_device_mappings");
    const launchBlockDeviceMappings = readBlockDevices(r, "launch_block_device_mappings");
    const amiRootDevice = readRootDevice(r);
    if (!ami.amiVirtualizationType) r.problem("ami_virtualization_type", "ami_virtualization_type is required.");
    const root = launchBlockDeviceMappings.filter((d) => d.deviceName === amiRootDevice.sourceDeviceName);
    for (const d of root) {
      if (d.omitFromArtifact) r.problem("launch_block_device_mappings", 'You cannot set "omit_from_artifact": "true" for the root volume.');
    }
    if (root.length === 0) r.problem("ami_root_device", `no volume with name '${amiRootDevice.sourceDeviceName}' is found`);
    const architecture = r.string("ami_architecture", "") || "x86_64";
    if (architecture !== "x86_64" && architecture !== "arm64") r.problem("ami_architecture", 'The only valid ami_architecture values are "x86_64" and "arm64"');
    const config: Config = {
      access,
      ...ami,
      ...run,
      amiBlockDeviceMappings,
      launchBlockDeviceMappings,
      amiRootDevice,
      runVolumeTags: readRawStringMap(r, "run_volume_tags"),
      amiArchitecture: architecture === "arm64" ? "arm64" : "x86_64",
      unsupported: runKeysNotYetRun(r, run),
    };
    r.finish();
    return config;
  },
};

/** ami_root_device with RootBlockDevice.Prepare's checks (an absent block is checked as an empty one). */
function readRootDevice(r: ConfigReader): RootBlockDevice {
  r.checkPackerType("ami_root_device");
  const v = r.value("ami_root_device");
  const o = foldedView((v && typeof v === "object" && !Array.isArray(v) ? v : {}) as Record<string, unknown>);
  const str = (k: string): string => (o[k] === undefined || o[k] === null ? "" : String(o[k]));
  const int = (k: string): number => {
    const n = Number(o[k] ?? 0);
    return Number.isInteger(n) ? n : 0;
  };
  const root: RootBlockDevice = {
    sourceDeviceName: str("source_device_name"),
    deviceName: str("device_name"),
    deleteOnTermination: o.delete_on_termination === true || o.delete_on_termination === "true" || o.delete_on_termination === 1,
    iops: int("iops"),
    volumeType: str("volume_type"),
    volumeSize: int("volume_size"),
  };
  if (root.sourceDeviceName === "") r.problem("ami_root_device", "source_device_name for the root_device must be specified");
  if (root.deviceName === "") r.problem("ami_root_device", "device_name for the root_device must be specified");
  if (root.volumeType === "gp2" && root.iops !== 0) r.problem("ami_root_device", "iops may not be specified for a gp2 volume");
  if (root.iops < 0) r.problem("ami_root_device", "iops must be greater than 0");
  if (root.volumeSize < 0) r.problem("ami_root_device", "volume_size must be greater than 0");
  return root;
}
