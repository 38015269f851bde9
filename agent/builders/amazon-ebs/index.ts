/**
 * Packer's `amazon-ebs` builder on the AWS SDK: launch an instance from a source AMI (on demand or
 * spot), provision it over SSH, stop it, image it, copy and share the AMI, then terminate the
 * instance and delete the temporary key pair, security group and instance profile (also on failure
 * and cancel, by the steps' cleanups).
 */
import { schema, type Config } from "../../../shared/components/builders/amazon-ebs.js";
import { StepList } from "../../runner/steps.js";
import { stepProvision, type Connected } from "../common/step-connect.js";
import type { BuilderPlugin } from "../types.js";
import { amiArtifact } from "../amazon-common/artifact.js";
import { runAmazonBuild } from "../amazon-common/run-build.js";
import { probeAwsCredentials } from "../amazon-common/host-probe.js";
import { reapAmazonResources } from "../amazon-common/reap-resources.js";
import type { Clients, InstanceRunning, KeyPairReady } from "../amazon-common/state.js";
import { stepAmiAttributes } from "../amazon-common/step-ami-attributes.js";
import { stepCleanupVolumes } from "../amazon-common/step-cleanup-volumes.js";
import { stepConnectInstance } from "../amazon-common/step-connect-instance.js";
import { stepCopyAmi } from "../amazon-common/step-copy-ami.js";
import { stepDeregisterAmi } from "../amazon-common/step-deregister-ami.js";
import { stepIamInstanceProfile } from "../amazon-common/step-iam-instance-profile.js";
import { stepKeyPair } from "../amazon-common/step-key-pair.js";
import { stepLaunchInstance } from "../amazon-common/step-launch-instance.js";
import { stepModifyInstance } from "../amazon-common/step-modify-instance.js";
import { stepNetworkInfo } from "../amazon-common/step-network-info.js";
import { stepPreValidate } from "../amazon-common/step-pre-validate.js";
import { stepSecurityGroup } from "../amazon-common/step-security-group.js";
import { stepSourceAmi } from "../amazon-common/step-source-ami.js";
import { stepStopInstance } from "../amazon-common/step-stop-instance.js";
import { stepCreateAmi } from "./step-create-ami.js";

export const BUILDER_ID = "mitchellh.amazonebs";

export const plugin: BuilderPlugin<Config> = {
  schema,
  hostProbe: probeAwsCredentials,
  leftoverReaper: reapAmazonResources,
  run: (ctx, prepared) => runAmazonBuild("amazon-ebs", prepared, async (config, clients) => {
    const steps = StepList.start<Clients>()
      .then(stepPreValidate(config))
      .then(stepSourceAmi(config))
      .then(stepNetworkInfo(config))
      .then(stepKeyPair(config))
      .then(stepSecurityGroup(config))
      .then(stepIamInstanceProfile(config))
      .then(stepCleanupVolumes(config.launchBlockDeviceMappings))
      .then(stepLaunchInstance(config, { blockDevices: config.launchBlockDeviceMappings, volumeTags: config.runVolumeTags }))
      .then(stepConnectInstance(config))
      .then(stepProvision<Clients & InstanceRunning & KeyPairReady & Connected>(ctx.provision, (s) => ({ ID: s.instanceId })))
      .then(stepStopInstance(config))
      .then(stepModifyInstance(config))
      .then(stepDeregisterAmi(config))
      .then(stepCreateAmi(config))
      .then(stepCopyAmi(config))
      .then(stepAmiAttributes(config));
    const state = await steps.run(ctx, clients, { pause: ctx.pause, keepOnError: ctx.keepOnError });
    return amiArtifact(BUILDER_ID, state.amis);
  }),
};
