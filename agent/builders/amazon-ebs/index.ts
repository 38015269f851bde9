/**
 * Packer's `amazon-ebs` builder on the AWS SDK: launch an instance from a source AMI, provision
 * it over SSH, stop it, image it, copy and share the AMI, then terminate the instance and delete
 * the temporary key pair and security group (also on failure and cancel, by the steps' cleanups).
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import { schema, type Config } from "../../../shared/components/builders/amazon-ebs.js";
import type { Artifact } from "../../runner/artifact.js";
import { StepList } from "../../runner/steps.js";
import { stepProvision, type Connected } from "../common/step-connect.js";
import type { BuilderPlugin } from "../types.js";
import { ec2Client, resolveRegion } from "../amazon-common/ec2-client.js";
import { probeAwsCredentials } from "../amazon-common/host-probe.js";
import { reapAmazonResources } from "../amazon-common/reap-resources.js";
import { stepAmiAttributes } from "./step-ami-attributes.js";
import { stepConnectInstance } from "./step-connect-instance.js";
import { stepCopyAmi } from "./step-copy-ami.js";
import { stepCreateAmi } from "./step-create-ami.js";
import { stepDeregisterAmi } from "./step-deregister-ami.js";
import { stepKeyPair } from "./step-key-pair.js";
import { stepModifyInstance } from "./step-modify-instance.js";
import { stepPreValidate } from "./step-pre-validate.js";
import { stepRunInstance } from "./step-run-instance.js";
import { stepSecurityGroup } from "./step-security-group.js";
import { stepSourceAmi } from "./step-source-ami.js";
import { stepNetworkInfo } from "./step-network-info.js";
import { stepStopInstance } from "./step-stop-instance.js";
import type { Clients, InstanceRunning, KeyPairReady } from "./state.js";

export const BUILDER_ID = "mitchellh.amazonebs";

export const plugin: BuilderPlugin<Config> = {
  schema,
  hostProbe: probeAwsCredentials,
  leftoverReaper: reapAmazonResources,
  async run(ctx, prepared) {
    const config = { ...prepared, access: await resolveRegion(prepared.access) };
    if (config.unsupported.length > 0) {
      throw new Error(`amazon-ebs: Kiln does not run ${config.unsupported.join(", ")} yet; remove ${config.unsupported.length > 1 ? "them" : "it"} or build with Packer`);
    }
    const clients = new Map<string, Promise<EC2Client>>();
    const clientFor = (region: string): Promise<EC2Client> => {
      let c = clients.get(region);
      if (!c) clients.set(region, (c = ec2Client(config.access, region)));
      return c;
    };
    const initial: Clients = { ec2: await clientFor(config.access.region), clientFor };
    try {
      const steps = StepList.start<Clients>()
        .then(stepPreValidate(config))
        .then(stepSourceAmi(config))
        .then(stepNetworkInfo(config))
        .then(stepKeyPair(config))
        .then(stepSecurityGroup(config))
        .then(stepRunInstance(config))
        .then(stepConnectInstance(config))
        .then(stepProvision<Clients & InstanceRunning & KeyPairReady & Connected>(ctx.provision, (s) => ({ ID: s.instanceId })))
        .then(stepStopInstance(config))
        .then(stepModifyInstance(config))
        .then(stepDeregisterAmi(config))
        .then(stepCreateAmi(config))
        .then(stepCopyAmi(config))
        .then(stepAmiAttributes(config));
      const state = await steps.run(ctx, initial, { pause: ctx.pause, keepOnError: ctx.keepOnError });
      return amiArtifact(state.amis);
    } finally {
      for (const c of clients.values()) (await c).destroy();
    }
  },
};

/** Packer's amazon Artifact: id "region:ami,region:ami" (sorted), one line per region in the description. */
export function amiArtifact(amis: Record<string, string>): Artifact {
  const regions = Object.keys(amis).sort();
  return {
    builderId: BUILDER_ID,
    id: regions.map((r) => `${r}:${amis[r]}`).join(","),
    files: [],
    description: `AMIs were created:\n${regions.map((r) => `${r}: ${amis[r]}`).join("\n")}\n`,
    state: { amis: { ...amis } },
  };
}
