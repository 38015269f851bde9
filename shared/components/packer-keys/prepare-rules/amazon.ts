/**
 * Amazon: the amazon-import post-processor's format and S3 settings (Configure in Packer v1.6.6's
 * post-processor/amazon-import), amazon-instance's bundle settings after the access, block device,
 * AMI and run configs it shares with amazon-ebs (builder/amazon/instance), and amazon-chroot's AMI
 * name and its source or from_scratch settings (builder/amazon/chroot).
 */
import { SPOT_MODIFY_PROBLEM } from "../../builders/amazon-ebs.js";
import { readAmazonAmiConfig } from "../../builders/amazon-ami-config.js";
import { readAmazonAccess, readBlockDevices } from "../../builders/amazon-common.js";
import { isSpotInstance, readAmazonRunConfig } from "../../builders/amazon-run-config.js";
import { fileMustExist, required } from "./prepare-rule.js";
import type { PrepareRule } from "./prepare-rule.js";

export const amazonImport: PrepareRule = (r) => {
  required(r, "s3_bucket_name", "s3_bucket_name must be set");
  const format = r.string("format", "") || "ova";
  if (!["ova", "raw", "vmdk", "vhd", "vhdx"].includes(format)) {
    r.problem("format", `invalid format '${format}'. Only 'ova', 'raw', 'vhd', 'vhdx', or 'vmdk' are allowed`);
  }
  const encryption = r.string("s3_encryption", "");
  if (encryption !== "" && encryption !== "AES256" && encryption !== "aws:kms") {
    r.problem("s3_encryption", `invalid s3 encryption format '${encryption}'. Only 'AES256' and 'aws:kms' are allowed`);
  }
};

/**
 * Packer 1.6.6's amazon-instance Prepare: the access, block device, AMI and run configs it shares
 * with amazon-ebs (the run config runs the communicator's checks), then its bundle settings.
 */
export const amazonInstance: PrepareRule = (r, ctx) => {
  const access = readAmazonAccess(r);
  readBlockDevices(r, "ami_block_device_mappings");
  readBlockDevices(r, "launch_block_device_mappings");
  const ami = readAmazonAmiConfig(r, access);
  const run = readAmazonRunConfig(r, ctx);
  required(r, "account_id", "account_id is required");
  required(r, "s3_bucket", "s3_bucket is required");
  if (required(r, "x509_cert_path", "x509_cert_path is required")) fileMustExist(r, ctx, "x509_cert_path", (_p, e) => `x509_cert_path points to bad file: ${e}`);
  if (required(r, "x509_key_path", "x509_key_path is required")) fileMustExist(r, ctx, "x509_key_path", (_p, e) => `x509_key_path points to bad file: ${e}`);
  if (isSpotInstance(run) && (ami.enaSupport === true || ami.sriovSupport)) r.problem("spot_price", SPOT_MODIFY_PROBLEM);
};

export const amazonChroot: PrepareRule = (r) => {
  const amiName = r.string("ami_name", "");
  if (amiName === "") r.problem("ami_name", "ami_name must be specified");
  if (amiName.length < 3 || amiName.length > 128) r.problem("ami_name", "ami_name must be between 3 and 128 characters long");
  const fromScratch = r.bool("from_scratch");
  const filter = r.value("source_ami_filter");
  if (fromScratch) {
    if (r.int("root_volume_size", 0) === 0) r.problem("root_volume_size", "root_volume_size is required with from_scratch.");
    if (r.stringList("pre_mount_commands").length === 0) r.problem("pre_mount_commands", "pre_mount_commands is required with from_scratch.");
    if (r.string("ami_virtualization_type", "") === "") r.problem("ami_virtualization_type", "ami_virtualization_type is required with from_scratch.");
    if (r.string("root_device_name", "") === "") r.problem("root_device_name", "root_device_name is required with from_scratch.");
    const mappings = r.value("ami_block_device_mappings");
    if (!Array.isArray(mappings) || mappings.length === 0) r.problem("ami_block_device_mappings", "ami_block_device_mappings is required with from_scratch.");
  } else if (r.string("source_ami", "") === "" && (!filter || typeof filter !== "object" || Object.keys(filter).length === 0)) {
    r.problem("source_ami", "source_ami or source_ami_filter is required.");
  }
};
