import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigReader, goType } from "../config-reader.js";
import type { BuilderSchema } from "../types.js";
import { readCommunicatorConfig, type CommunicatorConfig } from "../communicator/ssh.js";
import { AMI_NAME_CHARACTERS_PROBLEM, cleanAmiName } from "./amazon-ami-name.js";
import {
  readAmazonAccess, readBlockDevices, readRawStringMap, readSourceAmiFilter,
  type AmazonAccessConfig, type BlockDeviceMapping, type SourceAmiFilter,
} from "./amazon-common.js";

/**
 * Packer's `amazon-ebs` builder (1.6.6 keys). Lenient: keys Kiln does not act on yet (spot, VPC
 * and subnet filters, session manager…) are accepted here so templates validate; the agent's
 * builder refuses the ones that would change the result (see agent/builders/amazon-ebs).
 */
export interface Config {
  access: AmazonAccessConfig;
  amiName: string;
  amiDescription?: string;
  amiVirtualizationType?: string;
  amiUsers: string[];
  amiGroups: string[];
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
  runTags: Record<string, string>;
  runVolumeTags: Record<string, string>;
  forceDeregister: boolean;
  forceDeleteSnapshot: boolean;
  enaSupport?: boolean;
  sriovSupport: boolean;
  amiBlockDeviceMappings: BlockDeviceMapping[];
  launchBlockDeviceMappings: BlockDeviceMapping[];

  instanceType?: string;
  spotInstanceTypes: string[];
  spotPrice?: string;
  sourceAmi?: string;
  sourceAmiFilter?: SourceAmiFilter;
  subnetId?: string;
  vpcId?: string;
  availabilityZone?: string;
  /** EC2 filters (name → value) finding the VPC when vpc_id is not given: exactly one must match. */
  vpcFilter?: Record<string, string>;
  /** Finding the subnet when subnet_id is not given: one match, or the most free / a random one. */
  subnetFilter?: { filters: Record<string, string>; mostFree: boolean; random: boolean };
  /** Finding existing security groups (every match is used) instead of a temporary one. */
  securityGroupFilter?: Record<string, string>;
  associatePublicIpAddress?: boolean;
  iamInstanceProfile?: string;
  /** Already read from user_data_file when that was given. */
  userData?: string;
  securityGroupIds: string[];
  temporarySecurityGroupSourceCidrs: string[];
  sshInterface: string;
  disableStopInstance: boolean;
  shutdownBehavior: "stop" | "terminate";
  ebsOptimized: boolean;
  enableT2Unlimited: boolean;
  communicator: CommunicatorConfig;
  /** Keys given that Kiln's builder cannot honour yet: the agent refuses to run with them. */
  unsupported: string[];
}

const SSH_INTERFACES = ["public_ip", "private_ip", "public_dns", "private_dns", "session_manager"];
// Keys that change what is built: accepted for validation, refused by the agent until implemented.
const NOT_YET_RUN = [
  "spot_price", "spot_instance_types",
  "source_ami_filter_owners", "ssh_agent_auth",
  "temporary_iam_instance_profile_policy_document", "windows_password_timeout", "ssm_tunnel_config",
];

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
      renderLater: ["run_tags", "tags", "snapshot_tags", "run_volume_tags"],
    });
    const access = readAmazonAccess(r);
    const amiName = r.string("ami_name", "");
    if (amiName === "") r.problem("ami_name", "ami_name must be specified");
    else if (amiName.length < 3 || amiName.length > 128) r.problem("ami_name", "ami_name must be between 3 and 128 characters long");
    if (amiName !== cleanAmiName(amiName)) r.problem("ami_name", AMI_NAME_CHARACTERS_PROBLEM);

    const communicator = readCommunicatorConfig(r, { cwd: ctx.cwd });
    const instanceType = r.string("instance_type") || undefined;
    const spotInstanceTypes = r.stringList("spot_instance_types");
    if (!instanceType && spotInstanceTypes.length === 0) r.problem("instance_type", "An instance_type must be specified");
    if (instanceType && spotInstanceTypes.length > 0) r.problem("spot_instance_types", "Only one of instance_type or spot_instance_types may be specified");
    const sourceAmi = r.string("source_ami") || undefined;
    const sourceAmiFilter = readSourceAmiFilter(r);
    if (!sourceAmi && !sourceAmiFilter) r.problem("source_ami", "A source_ami or source_ami_filter must be specified");
    // Packer refuses an unowned filter (anyone can publish an AMI named like Ubuntu's), and says so
    // even when there is no filter at all.
    if (!sourceAmi && (sourceAmiFilter?.owners.length ?? 0) === 0) {
      r.problem("source_ami_filter", "For security reasons, your source AMI filter must declare an owner.");
    }
    const sshInterface = r.string("ssh_interface", "");
    if (sshInterface !== "" && !SSH_INTERFACES.includes(sshInterface)) r.problem("ssh_interface", `Unknown interface type: ${sshInterface}`);
    if (sshInterface === "session_manager" && !r.string("iam_instance_profile") && !r.value("temporary_iam_instance_profile_policy_document")) {
      r.problem("ssh_interface", "ssh_interface session_manager requires iam_instance_profile or temporary_iam_instance_profile_policy_document");
    }
    let userData = r.string("user_data") || undefined;
    const userDataFile = r.string("user_data_file") || undefined;
    if (userData && userDataFile) r.problem("user_data_file", "Only one of user_data or user_data_file can be specified.");
    else if (userDataFile) {
      try {
        userData = readFileSync(resolve(ctx.cwd, userDataFile), "utf8");
      } catch (e) {
        r.problem("user_data_file", `user_data_file not found: ${userDataFile} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      }
    }
    const shutdownBehavior = r.string("shutdown_behavior", "stop");
    if (shutdownBehavior !== "stop" && shutdownBehavior !== "terminate") r.problem("shutdown_behavior", "shutdown_behavior only accepts 'stop' or 'terminate' values.");
    const securityGroupIds = [...new Set([r.string("security_group_id", ""), ...r.stringList("security_group_ids")].filter((s) => s !== ""))];
    const cidrs = r.stringList("temporary_security_group_source_cidrs");
    for (const c of cidrs) if (!/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(c)) r.problem("temporary_security_group_source_cidrs", `Error parsing temporary_security_group_source_cidrs: invalid CIDR address: ${c}`);
    const amiVirtualizationType = r.string("ami_virtualization_type") || undefined;
    if (amiVirtualizationType && amiVirtualizationType !== "hvm" && amiVirtualizationType !== "paravirtual") {
      r.problem("ami_virtualization_type", "ami_virtualization_type must be 'hvm' or 'paravirtual'");
    }
    const config: Config = {
      access,
      amiName,
      amiDescription: r.string("ami_description") || undefined,
      amiVirtualizationType,
      amiUsers: r.stringList("ami_users"),
      amiGroups: r.stringList("ami_groups"),
      amiRegions: r.stringList("ami_regions").filter((reg) => reg !== access.region),
      ...readEncryption(r),
      snapshotUsers: r.stringList("snapshot_users"),
      snapshotGroups: r.stringList("snapshot_groups"),
      tags: readRawStringMap(r, "tags"),
      snapshotTags: readRawStringMap(r, "snapshot_tags"),
      runTags: readRawStringMap(r, "run_tags"),
      runVolumeTags: readRawStringMap(r, "run_volume_tags"),
      forceDeregister: r.bool("force_deregister"),
      forceDeleteSnapshot: r.bool("force_delete_snapshot"),
      enaSupport: r.has("ena_support") ? r.bool("ena_support") : undefined,
      sriovSupport: r.bool("sriov_support"),
      amiBlockDeviceMappings: readBlockDevices(r, "ami_block_device_mappings"),
      launchBlockDeviceMappings: readBlockDevices(r, "launch_block_device_mappings"),
      instanceType,
      spotInstanceTypes,
      spotPrice: r.string("spot_price") || undefined,
      sourceAmi,
      sourceAmiFilter,
      subnetId: r.string("subnet_id") || undefined,
      vpcId: r.string("vpc_id") || undefined,
      availabilityZone: r.string("availability_zone") || undefined,
      vpcFilter: readFilterOption(r, "vpc_filter")?.filters,
      subnetFilter: readFilterOption(r, "subnet_filter"),
      securityGroupFilter: readFilterOption(r, "security_group_filter")?.filters,
      associatePublicIpAddress: r.has("associate_public_ip_address") ? r.bool("associate_public_ip_address") : undefined,
      iamInstanceProfile: r.string("iam_instance_profile") || undefined,
      userData,
      securityGroupIds,
      temporarySecurityGroupSourceCidrs: cidrs.length > 0 ? cidrs : ["0.0.0.0/0"],
      sshInterface: sshInterface || "public_ip",
      disableStopInstance: r.bool("disable_stop_instance"),
      shutdownBehavior: shutdownBehavior === "terminate" ? "terminate" : "stop",
      ebsOptimized: r.bool("ebs_optimized"),
      enableT2Unlimited: r.bool("enable_t2_unlimited"),
      communicator,
      unsupported: NOT_YET_RUN.filter((k) => r.has(k) && k !== "spot_instance_types"),
    };
    if (spotInstanceTypes.length > 0) config.unsupported.push("spot_instance_types");
    r.finish();
    return config;
  },
};

/**
 * vpc_filter, subnet_filter, security_group_filter: `{"filters": {"tag:Name": "build"}}` (plus
 * most_free/random for subnets). Undefined when absent or with no filters (Packer's Empty()).
 */
function readFilterOption(r: ConfigReader, key: string): { filters: Record<string, string>; mostFree: boolean; random: boolean } | undefined {
  const v = r.value(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) {
    r.problem(key, `'${key}' expected a map, got '${goType(v)}'`);
    return undefined;
  }
  const o = v as Record<string, unknown>;
  const filters: Record<string, string> = {};
  if (o.filters !== undefined && o.filters !== null) {
    if (typeof o.filters !== "object" || Array.isArray(o.filters)) r.problem(key, `'${key}.filters' expected a map of filter names to values`);
    else for (const [name, value] of Object.entries(o.filters)) filters[name] = String(value);
  }
  if (Object.keys(filters).length === 0) return undefined;
  const flag = (x: unknown): boolean => x === true || x === "true" || x === 1;
  return { filters, mostFree: flag(o.most_free), random: flag(o.random) };
}

const KMS_KEY_ID = /^[a-f0-9-]+$/;
const KMS_ALIAS = /^alias\/[a-zA-Z0-9:/_-]+$/;
const KMS_ARN_START = "^arn:aws(-us-gov)?:kms:([a-z]{2}-(gov-)?[a-z]+-\\d{1})?:(\\d{12}):";

/** Packer's ValidateKmsKey: a key id, an alias, or the ARN of either. */
function validKmsKey(key: string): boolean {
  return KMS_KEY_ID.test(key) || KMS_ALIAS.test(key) || new RegExp(`${KMS_ARN_START}key/[a-f0-9-]+$`).test(key) || new RegExp(`${KMS_ARN_START}alias/[a-zA-Z0-9:/_-]+$`).test(key);
}

/** encrypt_boot, kms_key_id, region_kms_key_ids, skip_save_build_region with AMIConfig.Prepare's rules. */
function readEncryption(r: ConfigReader): Pick<Config, "encryptBoot" | "kmsKeyId" | "regionKmsKeyIds" | "skipSaveBuildRegion"> {
  const encryptBoot = r.has("encrypt_boot") && r.value("encrypt_boot") !== "" ? r.bool("encrypt_boot") : undefined;
  const kmsKeyId = r.string("kms_key_id") || undefined;
  const regionKmsKeyIds = r.stringMap("region_kms_key_ids");
  const amiRegions = r.stringList("ami_regions");
  for (const region of Object.keys(regionKmsKeyIds)) {
    if (!amiRegions.includes(region)) r.problem("region_kms_key_ids", `Region ${region} is in region_kms_key_ids but not in ami_regions`);
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
