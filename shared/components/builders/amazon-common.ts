/**
 * The configuration every amazon builder shares (Packer's AccessConfig, AMIConfig, RunConfig and
 * BlockDevices), read in one place so amazon-ebs and its siblings cannot drift apart.
 */
import { goType, type ConfigReader } from "../config-reader.js";
import { foldedView } from "../../template/key-fold.js";

/** Packer's AccessConfig: who we are and which endpoint we talk to. */
export interface AmazonAccessConfig {
  accessKey?: string;
  secretKey?: string;
  token?: string;
  profile?: string;
  region: string;
  customEndpointEc2?: string;
  skipRegionValidation: boolean;
  skipCredentialValidation: boolean;
  /** SDK retries for throttling and transient errors; Packer's default is its SDK default. */
  maxRetries: number;
  decodeAuthorizationMessages: boolean;
  /** Packer's assume_role: the build's calls use this role's temporary credentials (STS AssumeRole). */
  assumeRole?: AssumeRoleConfig;
}

export interface AssumeRoleConfig {
  roleArn: string;
  sessionName?: string;
  durationSeconds?: number;
  externalId?: string;
  policy?: string;
  policyArns: string[];
  tags: Record<string, string>;
  transitiveTagKeys: string[];
}

export interface BlockDeviceMapping {
  deviceName: string;
  volumeType?: string;
  volumeSize?: number;
  deleteOnTermination: boolean;
  encrypted?: boolean;
  iops?: number;
  /** gp3 only. */
  throughput?: number;
  snapshotId?: string;
  virtualName?: string;
  noDevice: boolean;
  kmsKeyId?: string;
  /** ebs_volumes: tags of the kept volume (raw templates, rendered with the source AMI's data). */
  tags: Record<string, string>;
  /** ebssurrogate launch mappings: not snapshotted nor in the AMI. */
  omitFromArtifact: boolean;
}

export interface SourceAmiFilter {
  filters: Record<string, string>;
  owners: string[];
  mostRecent: boolean;
}

export function readAmazonAccess(r: ConfigReader): AmazonAccessConfig {
  const skipRegionValidation = r.bool("skip_region_validation");
  // Packer falls back to AWS_REGION when `region` is empty (its session does, through the SDK).
  // Empty is allowed, as in Packer: the AWS SDK finds the region at run time (AWS_REGION,
  // AWS_DEFAULT_REGION, the profile's config file), and the build fails there if nothing names one.
  // Whether the region exists is asked of EC2 at run time (DescribeRegions), as Packer does.
  const region = r.string("region", "") || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || "";
  const assumeRole = readAssumeRole(r);
  const accessKey = r.string("access_key") || undefined;
  const secretKey = r.string("secret_key") || undefined;
  if ((accessKey === undefined) !== (secretKey === undefined)) {
    r.problem(accessKey ? "secret_key" : "access_key", "access_key and secret_key must both be set, or neither (then the environment, shared files or instance role are used)");
  }
  const maxRetries = r.int("max_retries", 0);
  if (maxRetries < 0) r.problem("max_retries", "max_retries must not be negative");
  return {
    accessKey,
    secretKey,
    token: r.string("token") || undefined,
    profile: r.string("profile") || undefined,
    region,
    customEndpointEc2: r.string("custom_endpoint_ec2") || undefined,
    skipRegionValidation,
    skipCredentialValidation: r.bool("skip_credential_validation"),
    maxRetries,
    decodeAuthorizationMessages: r.bool("decode_authorization_messages"),
    ...(assumeRole ? { assumeRole } : {}),
  };
}

/** assume_role { role_arn, session_name, duration_seconds, external_id, policy, policy_arns, tags, transitive_tag_keys }; none without a role_arn. */
function readAssumeRole(r: ConfigReader): AssumeRoleConfig | undefined {
  const v = r.value("assume_role");
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) {
    r.problem("assume_role", `'assume_role' expected a map, got '${goType(v)}'`);
    return undefined;
  }
  // The struct's keys are found as mapstructure finds them ("Role_ARN" is role_arn).
  const o = foldedView(v as Record<string, unknown>);
  const str = (x: unknown): string | undefined => (typeof x === "string" && x !== "" ? x : typeof x === "number" ? String(x) : undefined);
  const list = (x: unknown): string[] => (Array.isArray(x) ? x.map(String) : typeof x === "string" && x !== "" ? x.split(",") : []);
  const roleArn = str(o.role_arn);
  if (!roleArn) return undefined;
  const duration = o.duration_seconds === undefined || o.duration_seconds === "" ? undefined : Number(o.duration_seconds);
  if (duration !== undefined && (!Number.isInteger(duration) || duration < 0)) r.problem("assume_role", `cannot parse 'assume_role.duration_seconds' as int: ${JSON.stringify(o.duration_seconds)}`);
  const tags: Record<string, string> = {};
  if (o.tags && typeof o.tags === "object" && !Array.isArray(o.tags)) for (const [k, x] of Object.entries(o.tags)) tags[k] = String(x);
  return {
    roleArn,
    sessionName: str(o.session_name),
    durationSeconds: duration && duration > 0 ? duration : undefined,
    externalId: str(o.external_id),
    policy: str(o.policy),
    policyArns: list(o.policy_arns),
    tags,
    transitiveTagKeys: list(o.transitive_tag_keys),
  };
}

/**
 * A list of Packer BlockDevices (launch_block_device_mappings, ami_block_device_mappings,
 * ebs_volumes), each checked as BlockDevice.Prepare checks it (its first problem only, as Packer).
 * ebs_volumes entries carry `tags`; ebssurrogate's launch mappings `omit_from_artifact`.
 */
export function readBlockDevices(r: ConfigReader, key: string, problemPrefix = ""): BlockDeviceMapping[] {
  r.checkPackerType(key);
  const v = r.value(key);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    r.problem(key, `'${key}' expected a list of block device mappings`);
    return [];
  }
  const out: BlockDeviceMapping[] = [];
  v.forEach((item, i) => {
    if (!item || typeof item !== "object" || Array.isArray(item)) {
      r.problem(key, `${key}[${i}]: expected an object`);
      return;
    }
    const m = foldedView(item as Record<string, unknown>);
    const str = (k: string): string | undefined => (m[k] === undefined || m[k] === "" ? undefined : String(m[k]));
    const num = (k: string): number | undefined => {
      if (m[k] === undefined || m[k] === "") return undefined;
      const n = Number(m[k]);
      return Number.isInteger(n) ? n : undefined;
    };
    const bool = (k: string): boolean | undefined => (m[k] === undefined || m[k] === "" ? undefined : m[k] === true || m[k] === "true" || m[k] === "1" || m[k] === 1);
    const tags: Record<string, string> = {};
    for (const t of Array.isArray(m.tags) ? m.tags : m.tags && typeof m.tags === "object" ? [m.tags] : []) {
      if (t && typeof t === "object") for (const [k, x] of Object.entries(t as Record<string, unknown>)) tags[k] = String(x);
    }
    const device: BlockDeviceMapping = {
      deviceName: str("device_name") ?? "",
      volumeType: str("volume_type"),
      volumeSize: num("volume_size"),
      deleteOnTermination: bool("delete_on_termination") ?? false,
      encrypted: bool("encrypted"),
      iops: num("iops"),
      throughput: num("throughput"),
      snapshotId: str("snapshot_id"),
      virtualName: str("virtual_name"),
      noDevice: bool("no_device") ?? false,
      kmsKeyId: str("kms_key_id"),
      tags,
      omitFromArtifact: bool("omit_from_artifact") ?? false,
    };
    const problem = blockDeviceProblem(device);
    if (problem) r.problem(key, problemPrefix + problem);
    out.push(device);
  });
  return out;
}

const IOPS_RATIOS: Record<string, number> = { io1: 50, io2: 500 };

/** Packer's BlockDevice.Prepare: its first complaint about one mapping, or undefined. */
function blockDeviceProblem(b: BlockDeviceMapping): string | undefined {
  if (b.deviceName === "") return "The `device_name` must be specified for every device in the block device mapping.";
  if (b.kmsKeyId && b.encrypted === false) return `The device ${b.deviceName}, must also have \`encrypted: true\` when setting a kms_key_id.`;
  const iops = b.iops ?? 0;
  const ratio = b.volumeType ? IOPS_RATIOS[b.volumeType] : undefined;
  if (ratio !== undefined && b.volumeSize) {
    if (Math.trunc(iops / b.volumeSize) > ratio) {
      return `${b.deviceName}: the maximum ratio of provisioned IOPS to requested volume size (in GiB) is ${ratio}:1 for ${b.volumeType} volumes`;
    }
    if (iops < 100 || iops > 64000) return `IOPS must be between 100 and 64000 for device ${b.deviceName}`;
  }
  const throughput = b.throughput ?? 0;
  if (b.volumeType === "gp3") {
    if (throughput < 125 || throughput > 1000) return `Throughput must be between 125 and 1000 for device ${b.deviceName}`;
    if (iops < 3000 || iops > 16000) return `IOPS must be between 3000 and 16000 for device ${b.deviceName}`;
  } else if (throughput > 0) {
    return `Throughput is not available for device ${b.deviceName}`;
  }
  return undefined;
}

export function readSourceAmiFilter(r: ConfigReader): SourceAmiFilter | undefined {
  const v = r.value("source_ami_filter");
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) {
    r.problem("source_ami_filter", "source_ami_filter must be an object with filters, owners and most_recent");
    return undefined;
  }
  const f = foldedView(v as Record<string, unknown>);
  const filters: Record<string, string> = {};
  if (f.filters !== undefined) {
    if (!f.filters || typeof f.filters !== "object" || Array.isArray(f.filters)) r.problem("source_ami_filter", "source_ami_filter.filters must map filter names to values");
    else for (const [k, val] of Object.entries(f.filters)) filters[k] = String(val);
  }
  const owners = Array.isArray(f.owners) ? f.owners.map(String) : f.owners === undefined ? [] : [String(f.owners)];
  const mostRecent = f.most_recent === true || f.most_recent === "true";
  return { filters, owners, mostRecent };
}

/** A map-valued key kept raw (rendered at run time with the build's data, like Packer's tags). */
export function readRawStringMap(r: ConfigReader, key: string): Record<string, string> {
  const v = r.value(key);
  if (v === undefined || v === null) return {};
  // mapstructure's weak decoding merges a list of maps (`"tags": [{"Name": "x"}]`) into one.
  const maps = Array.isArray(v) ? v : [v];
  const out: Record<string, string> = {};
  for (const m of maps) {
    if (!m || typeof m !== "object" || Array.isArray(m)) {
      r.problem(key, `'${key}' expected a map of strings`);
      return {};
    }
    for (const [k, val] of Object.entries(m as Record<string, unknown>)) out[k] = String(val);
  }
  return out;
}
