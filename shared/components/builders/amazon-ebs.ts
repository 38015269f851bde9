import { ConfigReader } from "../config-reader.js";
import type { BuilderSchema } from "../types.js";
import { readCommunicatorConfig, type CommunicatorConfig } from "../communicator/ssh.js";
import { AMI_NAME_CHARACTERS_PROBLEM, cleanAmiName } from "./amazon-ami-name.js";

/**
 * Packer's `amazon-ebs` builder, validated but not run by Kiln yet. Lenient: the many keys not
 * listed here (block device mappings, tags, VPC and spot options…) are accepted unchecked.
 */
export interface Config {
  region: string;
  amiName: string;
  instanceType?: string;
  spotInstanceTypes: string[];
  sourceAmi?: string;
  communicator: CommunicatorConfig;
}

const SSH_INTERFACES = ["public_ip", "private_ip", "public_dns", "private_dns", "session_manager"];

export const schema: BuilderSchema<Config> = {
  kind: "builder",
  type: "amazon-ebs",
  needs: ["aws"],
  prepare(raw, ctx) {
    const funcs = { ...ctx.interpolation.funcs, clean_resource_name: cleanAmiName, clean_ami_name: cleanAmiName };
    const r = new ConfigReader(raw, { interpolation: { ...ctx.interpolation, funcs }, lenient: true, renderLater: ["run_tags", "tags", "snapshot_tags", "user_data"] });
    const region = r.string("region", "");
    if (region === "") r.problem("region", "region must be specified; set `region` in the builder");
    const amiName = r.string("ami_name", "");
    if (amiName === "") r.problem("ami_name", "ami_name must be specified");
    if (amiName.length < 3 || amiName.length > 128) r.problem("ami_name", "ami_name must be between 3 and 128 characters long");
    if (amiName !== cleanAmiName(amiName)) r.problem("ami_name", AMI_NAME_CHARACTERS_PROBLEM);

    const communicator = readCommunicatorConfig(r, { cwd: ctx.cwd });
    const instanceType = r.string("instance_type") || undefined;
    const spotInstanceTypes = r.stringList("spot_instance_types");
    if (!instanceType && spotInstanceTypes.length === 0) r.problem("instance_type", "An instance_type must be specified");
    if (instanceType && spotInstanceTypes.length > 0) r.problem("spot_instance_types", "Only one of instance_type or spot_instance_types may be specified");
    const sourceAmi = r.string("source_ami") || undefined;
    const filter = r.value("source_ami_filter");
    if (!sourceAmi && !filter) r.problem("source_ami", "A source_ami or source_ami_filter must be specified");
    const sshInterface = r.string("ssh_interface", "");
    if (sshInterface !== "" && !SSH_INTERFACES.includes(sshInterface)) r.problem("ssh_interface", `Unknown interface type: ${sshInterface}`);
    if (sshInterface === "session_manager" && !r.string("iam_instance_profile") && !r.value("temporary_iam_instance_profile_policy_document")) {
      r.problem("ssh_interface", "ssh_interface session_manager requires iam_instance_profile or temporary_iam_instance_profile_policy_document");
    }
    r.finish();
    return { region, amiName, instanceType, spotInstanceTypes, sourceAmi, communicator };
  },
};
