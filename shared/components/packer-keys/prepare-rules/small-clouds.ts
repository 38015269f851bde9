/**
 * The smaller clouds: required credentials (with their environment fallbacks), region, image and
 * instance settings, user data and the combinations refused, for digitalocean, hcloud, scaleway,
 * tencentcloud-cvm, cloudstack, jdcloud, ncloud, profitbricks, oneandone and alicloud-ecs, as the
 * Prepare of each builder in Packer v1.6.6's builder/<name> checks them. Their import
 * post-processors are in post-processors.ts.
 */
import { readCommunicatorConfig } from "../../communicator/ssh.js";
import { goStatErrorIn } from "../../go-stat-error.js";
import { fileMustExist, onlyProblem, required } from "./prepare-rule.js";
import type { PrepareRule } from "./prepare-rule.js";
import { foldedValue } from "../../../template/key-fold.js";

export const digitalocean: PrepareRule = (r, ctx) => {
  required(r, "api_token", "api_token for auth must be specified", "DIGITALOCEAN_API_TOKEN");
  required(r, "region", "region is required");
  required(r, "size", "size is required");
  required(r, "image", "image is required");
  const userData = r.string("user_data", "");
  const userDataFile = r.string("user_data_file", "");
  if (userData !== "" && userDataFile !== "") r.problem("user_data", "only one of user_data or user_data_file can be specified");
  else fileMustExist(r, ctx, "user_data_file", (p) => `user_data_file not found: ${p}`);
  for (const tag of r.stringList("tags")) if (!/^[A-Za-z0-9:_-]{1,255}$/.test(tag)) r.problem("tags", `invalid tag: ${tag}`);
  const privateNetworking = r.bool("private_networking");
  if (r.string("vpc_uuid", "") !== "" && !privateNetworking) r.problem("vpc_uuid", "private networking should be enabled to use vpc_uuid");
  if (r.bool("connect_with_private_ip") && !privateNetworking) r.problem("connect_with_private_ip", "private networking should be enabled to use connect_with_private_ip");
};

export const hcloud: PrepareRule = (r, ctx) => {
  required(r, "token", "token for auth must be specified", "HCLOUD_TOKEN");
  required(r, "location", "location is required");
  required(r, "server_type", "server type is required");
  const image = r.string("image", "");
  const filter = r.value("image_filter");
  if (image === "" && !filter) r.problem("image", "image or image_filter is required");
  if (filter && typeof filter === "object") {
    const selectors = foldedValue(filter as Record<string, unknown>, "with_selector");
    if (!Array.isArray(selectors) || selectors.length === 0) r.problem("image_filter", "image_filter.with_selector is required when specifying filter");
    else if (image !== "") r.problem("image", "only one of image or image_filter can be specified");
  }
  if (r.string("user_data", "") !== "" && r.string("user_data_file", "") !== "") r.problem("user_data", "only one of user_data or user_data_file can be specified");
  else fileMustExist(r, ctx, "user_data_file", (p) => `user_data_file not found: ${p}`);
};

/** Packer 1.6.6's scaleway Prepare: credentials from the template, SCALEWAY_* or the SDK's SCW_* variables. */
export const scaleway: PrepareRule = (r) => {
  const env = (...names: string[]): string => names.map((n) => process.env[n] ?? "").find((v) => v !== "") ?? "";
  const organization = r.string("organization_id", "") || env("SCALEWAY_ORGANIZATION") || env("SCALEWAY_API_ACCESS_KEY");
  const token = r.string("api_token", "") || env("SCALEWAY_API_TOKEN");
  const region = r.string("region", "");
  const projectId = organization || r.string("project_id", "") || env("SCW_DEFAULT_PROJECT_ID");
  const secretKey = token || r.string("secret_key", "") || env("SCW_SECRET_KEY", "SCW_TOKEN");
  const zone = region || r.string("zone", "") || env("SCW_DEFAULT_ZONE");
  if (projectId === "") r.problem("project_id", "scaleway Project ID must be specified");
  if (secretKey === "") r.problem("secret_key", "scaleway Secret Key must be specified");
  if (zone === "") r.problem("zone", "Scaleway Zone is required");
  if (r.string("commercial_type", "") === "") r.problem("commercial_type", "commercial type is required");
  if (r.string("image", "") === "") r.problem("image", "image is required");
};

const TENCENTCLOUD_REGIONS = [
  "ap-bangkok", "ap-beijing", "ap-chengdu", "ap-chongqing", "ap-guangzhou", "ap-guangzhou-open", "ap-hongkong", "ap-shanghai", "ap-shanghai-fsi",
  "ap-shenzhen-fsi", "ap-mumbai", "ap-seoul", "ap-singapore", "ap-tokyo", "eu-moscow", "eu-frankfurt", "na-ashburn", "na-siliconvalley", "na-toronto",
];

/** Packer 1.6.6's tencentcloud-cvm Prepare: access, image and run configs (the communicator's checks come first). */
export const tencentcloudCvm: PrepareRule = (r, ctx) => {
  const s = (k: string): string => r.string(k, "");
  const skipValidation = r.bool("skip_region_validation");
  if ((s("secret_id") || process.env.TENCENTCLOUD_SECRET_ID || "") === "" || (s("secret_key") || process.env.TENCENTCLOUD_SECRET_KEY || "") === "") {
    r.problem("secret_id", "parameter secret_id and secret_key must be set");
  }
  const region = s("region");
  if (region === "") r.problem("region", "parameter region must be set");
  else if (!skipValidation && !TENCENTCLOUD_REGIONS.includes(region)) r.problem("region", `unknown region: ${region}`);
  const imageName = s("image_name");
  if (imageName === "") r.problem("image_name", "image_name must be specified");
  else if ([...imageName].length > 60) r.problem("image_name", "image_name length should not exceed 60 characters");
  if ([...s("image_description")].length > 60) r.problem("image_description", "image_description length should not exceed 60 characters");
  if (!skipValidation) {
    for (const copyRegion of new Set(r.stringList("image_copy_regions"))) {
      if (!TENCENTCLOUD_REGIONS.includes(copyRegion)) r.problem("image_copy_regions", `unknown region: ${copyRegion}`);
    }
  }
  const sourceImageId = s("source_image_id");
  if (sourceImageId === "" && s("source_image_name") === "") r.problem("source_image_id", "source_image_id or source_image_name must be specified");
  if (sourceImageId !== "" && !/img-[0-9a-z]{8}$/.test(sourceImageId)) r.problem("source_image_id", "source_image_id wrong format");
  if (s("instance_type") === "") r.problem("instance_type", "instance_type must be specified");
  const userDataFile = s("user_data_file");
  if (s("user_data") !== "" && userDataFile !== "") r.problem("user_data", "only one of user_data or user_data_file can be specified");
  else if (userDataFile !== "" && goStatErrorIn(ctx.cwd, userDataFile)) r.problem("user_data_file", "user_data_file not exist");
  const [vpcId, subnetId] = [s("vpc_id"), s("subnet_id")];
  if ((vpcId !== "" || s("cidr_block") !== "") && subnetId === "" && s("subnect_cidr_block") === "") {
    r.problem("cidr_block", "if vpc cidr_block is specified, then subnet_cidr_block must also be specified.");
  }
  if (vpcId === "" && subnetId !== "") r.problem("subnet_id", "can't set subnet_id without set vpc_id");
  const diskType = s("disk_type");
  if (diskType !== "" && !["LOCAL_BASIC", "LOCAL_SSD", "CLOUD_BASIC", "CLOUD_SSD", "CLOUD_PREMIUM"].includes(diskType)) r.problem("disk_type", `specified disk_type(${diskType}) is invalid`);
};

/** Packer 1.6.6's cloudstack Prepare (the communicator's checks, last in Packer's list, come first here). */
export const cloudstack: PrepareRule = (r, ctx) => {
  const s = (k: string): string => r.string(k, "");
  required(r, "api_url", "a api_url must be specified", "CLOUDSTACK_API_URL");
  required(r, "api_key", "a api_key must be specified", "CLOUDSTACK_API_KEY");
  required(r, "secret_key", "a secret_key must be specified", "CLOUDSTACK_SECRET_KEY");
  required(r, "network", "a network must be specified");
  if (r.bool("create_security_group") && !r.bool("expunge")) r.problem("create_security_group", "auto creating a temporary security group requires expunge");
  required(r, "service_offering", "a service_offering must be specified");
  const [iso, template] = [s("source_iso"), s("source_template")];
  if (iso === "" && template === "") r.problem("source_iso", "either source_iso or source_template must be specified");
  if (iso !== "" && template !== "") r.problem("source_iso", "only one of source_iso or source_template can be specified");
  if (iso !== "" && s("disk_offering") === "") r.problem("disk_offering", "a disk_offering must be specified when using source_iso");
  if (iso !== "" && s("hypervisor") === "") r.problem("hypervisor", "a hypervisor must be specified when using source_iso");
  required(r, "template_os", "a template_os must be specified");
  const userDataFile = s("user_data_file");
  if (s("user_data") !== "" && userDataFile !== "") r.problem("user_data", "only one of user_data or user_data_file can be specified");
  if (userDataFile !== "" && goStatErrorIn(ctx.cwd, userDataFile)) r.problem("user_data_file", `user_data_file not found: ${userDataFile}`);
  required(r, "zone", "a zone must be specified");
};

/** Packer 1.6.6's jdcloud Prepare: credential config, then the instance config (the communicator's checks come first). */
export const jdcloud: PrepareRule = (r) => {
  const s = (k: string): string => r.string(k, "");
  if ((s("access_key") || process.env.JDCLOUD_ACCESS_KEY || "") === "" || (s("secret_key") || process.env.JDCLOUD_SECRET_KEY || "") === "") {
    r.problem("access_key", "[PRE-FLIGHT] We can't find your key pairs,write them here {access_key=xxx , secret_key=xxx} or export them as env-variable, {export JDCLOUD_ACCESS_KEY=xxx, export JDCLOUD_SECRET_KEY=xxx} ");
  }
  const region = s("region_id");
  if (!["cn-north-1", "cn-south-1", "cn-east-1", "cn-east-2"].includes(region)) r.problem("region_id", `[PRE-FLIGHT] Invalid RegionId:${region}. Legit RegionId are: {cn-north-1, cn-south-1, cn-east-1, cn-east-2}`);
  if (s("az") === "") r.problem("az", "[PRE-FLIGHT] az info missing");
  if (s("image_id") === "") r.problem("image_id", "[PRE-FLIGHT] 'image_id' empty");
  if (s("instance_name") === "") r.problem("instance_name", "[PRE-FLIGHT] 'instance_name' empty");
  if (s("instance_type") === "") r.problem("instance_type", "[PRE-FLIGHT] 'instance-type' empty");
  if (s("ssh_password") === "" && s("ssh_keypair_name") === "" && s("ssh_private_key_file") === "" && s("temporary_key_pair_name") === "") {
    r.problem(undefined, "[PRE-FLIGHT] Didn't detect any credentials, you have to specify either {password} or {key_name+local_private_key_path} or {temporary_key_pair_name} cheers :)");
  }
};

/** Packer 1.6.6's ncloud Prepare (the communicator's checks come first). */
export const ncloud: PrepareRule = (r, ctx) => {
  const s = (k: string): string => r.string(k, "");
  const bytes = (k: string): number => Buffer.byteLength(s(k));
  required(r, "access_key", "access_key is required");
  required(r, "secret_key", "secret_key is required");
  const [memberImage, productCode] = [s("member_server_image_no"), s("server_image_product_code")];
  if (memberImage === "" && productCode === "") r.problem("server_image_product_code", "server_image_product_code or member_server_image_no is required");
  if (memberImage !== "" && productCode !== "") r.problem("server_image_product_code", "Only one of server_image_product_code and member_server_image_no can be set");
  if (bytes("server_image_product_code") > 20) r.problem("server_image_product_code", "If server_image_product_code field is set, length of server_image_product_code should be max 20");
  if (bytes("server_product_code") > 20) r.problem("server_product_code", "If server_product_code field is set, length of server_product_code should be max 20");
  if (s("server_image_name") !== "" && (bytes("server_image_name") < 3 || bytes("server_image_name") > 30)) r.problem("server_image_name", "If server_image_name field is set, length of server_image_name should be min 3 and max 20");
  if (bytes("server_image_description") > 1000) r.problem("server_image_description", "If server_image_description field is set, length of server_image_description should be max 1000");
  const blockStorage = r.int("block_storage_size", 0);
  if (blockStorage !== 0) {
    if (blockStorage < 10 || blockStorage > 2000) r.problem("block_storage_size", "The size of BlockStorageSize is at least 10 GB and up to 2000GB");
    else if (blockStorage % 10 !== 0) return onlyProblem(r, "block_storage_size", "BlockStorageSize must be a multiple of 10 GB");
  }
  const userDataFile = s("user_data_file");
  if (s("user_data") !== "" && userDataFile !== "") r.problem("user_data", "Only one of user_data or user_data_file can be specified.");
  else if (userDataFile !== "" && goStatErrorIn(ctx.cwd, userDataFile)) r.problem("user_data_file", `user_data_file not found: ${userDataFile}`);
  if (bytes("user_data") > 21847) r.problem("user_data", "If user_data field is set, length of UserData should be max 21847");
  if (s("communicator") === "winrm" && s("access_control_group_configuration_no") === "") {
    r.problem("access_control_group_configuration_no", "If Communicator is winrm, access_control_group_configuration_no is required");
  }
};

/** Packer 1.6.6's profitbricks Prepare (the communicator's checks come first). */
export const profitbricks: PrepareRule = (r) => {
  if (r.string("ssh_password", "") === "" && r.string("ssh_private_key_file", "") === "") r.problem("ssh_password", "Either ssh private key path or ssh password must be set.");
  required(r, "image", "ProfitBricks 'image' is required");
  required(r, "username", "ProfitBricks username is required", "PROFITBRICKS_USERNAME");
  required(r, "password", "ProfitBricks password is required", "PROFITBRICKS_PASSWORD");
};

export const oneandone: PrepareRule = (r) => void required(r, "source_image_name", "1&1 'image' is required");

/** Packer 1.6.6's alicloud-ecs Prepare: access config, image config, then the run config (communicator first). */
export const alicloudEcs: PrepareRule = (r, ctx) => {
  const env = (name: string): string => process.env[name] ?? "";
  const accessKey = r.string("access_key", "") || env("ALICLOUD_ACCESS_KEY");
  const secretKey = r.string("secret_key", "") || env("ALICLOUD_SECRET_KEY");
  const profile = r.string("profile", "") || env("ALICLOUD_PROFILE");
  if ((accessKey === "" || secretKey === "") && profile === "") {
    r.problem("access_key", "ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY must be set in template file or environment variables.");
  }
  required(r, "region", "region option or ALICLOUD_REGION must be provided in template file or environment variables.", "ALICLOUD_REGION");
  const imageName = r.string("image_name", "");
  if (imageName === "") r.problem("image_name", "image_name must be specified");
  else if (imageName.length < 2 || imageName.length > 128) r.problem("image_name", "image_name must less than 128 letters and more than 1 letters");
  else if (imageName.startsWith("http://") || imageName.startsWith("https://")) r.problem("image_name", "image_name can't start with 'http://' or 'https://'");
  if (/\s+/.test(imageName)) r.problem("image_name", "image_name can't include spaces");
  readCommunicatorConfig(r, { cwd: ctx.cwd });
  const sourceImage = r.string("source_image", "");
  if (sourceImage === "") r.problem("source_image", "A source_image must be specified");
  if (sourceImage.trim() !== sourceImage) r.problem("source_image", "The source_image can't include spaces");
  required(r, "instance_type", "An alicloud_instance_type must be specified");
};
