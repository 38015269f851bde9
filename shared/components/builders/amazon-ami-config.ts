/**
 * Packer's amazon AMIConfig (1.6.6): the AMI a build registers — name, description, sharing,
 * regions it is copied to, encryption, tags — with AMIConfig.Prepare's checks and messages, in its
 * order. amazon-ebs and amazon-ebssurrogate read it here.
 */
import type { ConfigReader } from "../config-reader.js";
import { AMI_NAME_CHARACTERS_PROBLEM, cleanAmiName } from "./amazon-ami-name.js";
import { readRawStringMap, type AmazonAccessConfig } from "./amazon-common.js";

export interface AmazonAmiConfig {
  amiName: string;
  amiDescription?: string;
  amiVirtualizationType?: string;
  amiUsers: string[];
  amiGroups: string[];
  /** Copy targets, the build region left out. */
  amiRegions: string[];
  /**
   * encrypt_boot true: the build region's AMI is an intermediary (random name) copied encrypted
   * (kms_key_id / region_kms_key_ids) under ami_name, then deregistered with its snapshots, as
   * Packer does. False asks the copies to be unencrypted; unset keeps what the source had.
   */
  encryptBoot?: boolean;
  kmsKeyId?: string;
  regionKmsKeyIds: Record<string, string>;
  /** skip_save_build_region: no AMI is kept in the build region (only the ami_regions copies). */
  skipSaveBuildRegion: boolean;
  snapshotUsers: string[];
  snapshotGroups: string[];
  /** Raw templates, rendered with the source AMI's data (`{{ .SourceAMI }}`…) at run time. */
  tags: Record<string, string>;
  snapshotTags: Record<string, string>;
  forceDeregister: boolean;
  forceDeleteSnapshot: boolean;
  enaSupport?: boolean;
  sriovSupport: boolean;
}

export function readAmazonAmiConfig(r: ConfigReader, access: AmazonAccessConfig): AmazonAmiConfig {
  const amiName = r.string("ami_name", "");
  if (amiName === "") r.problem("ami_name", "ami_name must be specified");
  const encryption = readEncryption(r);
  if (amiName.length < 3 || amiName.length > 128) r.problem("ami_name", "ami_name must be between 3 and 128 characters long");
  if (amiName !== cleanAmiName(amiName)) r.problem("ami_name", AMI_NAME_CHARACTERS_PROBLEM);
  const amiVirtualizationType = r.string("ami_virtualization_type") || undefined;
  return {
    amiName,
    amiDescription: r.string("ami_description") || undefined,
    amiVirtualizationType,
    amiUsers: r.stringList("ami_users"),
    amiGroups: r.stringList("ami_groups"),
    amiRegions: [...new Set(r.stringList("ami_regions"))].filter((reg) => reg !== access.region),
    ...encryption,
    snapshotUsers: r.stringList("snapshot_users"),
    snapshotGroups: r.stringList("snapshot_groups"),
    tags: readRawStringMap(r, "tags"),
    snapshotTags: readRawStringMap(r, "snapshot_tags"),
    forceDeregister: r.bool("force_deregister"),
    forceDeleteSnapshot: r.bool("force_delete_snapshot"),
    enaSupport: readTrilean(r, "ena_support"),
    sriovSupport: r.bool("sriov_support"),
  };
}

/** Packer's config.Trilean: unset, true or false (ena_support false turns ENA off). */
export function readTrilean(r: ConfigReader, key: string): boolean | undefined {
  return r.has(key) && r.value(key) !== "" && r.value(key) !== null ? r.bool(key) : undefined;
}

const KMS_KEY_ID = /^[a-f0-9-]+$/;
const KMS_ALIAS = /^alias\/[a-zA-Z0-9:/_-]+$/;
const KMS_ARN_START = "^arn:aws(-us-gov)?:kms:([a-z]{2}-(gov-)?[a-z]+-\\d{1})?:(\\d{12}):";

/** Packer's ValidateKmsKey: a key id, an alias, or the ARN of either. */
function validKmsKey(key: string): boolean {
  return KMS_KEY_ID.test(key) || KMS_ALIAS.test(key) || new RegExp(`${KMS_ARN_START}key/[a-f0-9-]+$`).test(key) || new RegExp(`${KMS_ARN_START}alias/[a-zA-Z0-9:/_-]+$`).test(key);
}

/** encrypt_boot, kms_key_id, region_kms_key_ids, skip_save_build_region with AMIConfig.Prepare's rules. */
function readEncryption(r: ConfigReader): Pick<AmazonAmiConfig, "encryptBoot" | "kmsKeyId" | "regionKmsKeyIds" | "skipSaveBuildRegion"> {
  const encryptBoot = readTrilean(r, "encrypt_boot");
  const kmsKeyId = r.string("kms_key_id") || undefined;
  const regionKmsKeyIds = r.stringMap("region_kms_key_ids");
  const amiRegions = r.stringList("ami_regions");
  for (const region of Object.keys(regionKmsKeyIds)) {
    if (!amiRegions.includes(region)) r.problem("region_kms_key_ids", `Region ${region} is in region_kms_key_ids but not in ami_regions`);
  }
  if (Object.keys(regionKmsKeyIds).length > 0) {
    for (const region of new Set(amiRegions)) {
      if (!(region in regionKmsKeyIds)) r.problem("ami_regions", `Region ${region} is in ami_regions but not in region_kms_key_ids`);
    }
  }
  if (r.stringList("ami_users").length > 0) {
    if (!kmsKeyId && encryptBoot === true) r.problem("ami_users", "Cannot share AMI encrypted with default KMS key");
    if (Object.values(regionKmsKeyIds).some((k) => k === "")) r.problem("ami_users", "Cannot share AMI encrypted with default KMS key for other regions");
  }
  const keys = [...(kmsKeyId ? [kmsKeyId] : []), ...Object.values(regionKmsKeyIds).filter((k) => k !== "")];
  if (keys.length > 0 && encryptBoot !== true) r.problem("encrypt_boot", "If you have set either region_kms_key_ids or kms_key_id, encrypt_boot must also be true.");
  for (const key of keys) if (!validKmsKey(key)) r.problem("kms_key_id", `"${key}" is not a valid KMS Key Id.`);
  if (r.stringList("snapshot_users").length > 0) {
    if (!kmsKeyId && Object.keys(regionKmsKeyIds).length === 0 && encryptBoot === true) {
      r.problem("snapshot_users", "Cannot share snapshot encrypted with default KMS key, see https://www.packer.io/docs/builders/amazon-ebs#region_kms_key_ids for more information");
    }
    if (Object.values(regionKmsKeyIds).some((k) => k === "")) r.problem("snapshot_users", "Cannot share snapshot encrypted with default KMS key");
  }
  return { encryptBoot, kmsKeyId, regionKmsKeyIds, skipSaveBuildRegion: r.bool("skip_save_build_region") };
}
