/**
 * Packer's `amazon-ebssurrogate` builder on the AWS SDK: launch an instance (on demand or spot)
 * with extra volumes, provision it over SSH (which typically writes a new OS onto a volume), stop
 * it, snapshot the volumes, register an AMI from the snapshots, copy and share it; then terminate
 * the instance and remove every temporary (key pair, group, instance profile, launch template,
 * volumes left by the instance), also on failure and cancel.
 */
import { schema, type Config } from "../../../shared/components/builders/amazon-ebssurrogate.js";
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
import { stepRegisterAmi } from "./step-register-ami.js";
import { stepSnapshotVolumes } from "./step-snapshot-volumes.js";

export const BUILDER_ID = "mitchellh.amazon.ebssurrogate";

export const plugin: BuilderPlugin<Config> = {
  schema,
  hostProbe: probeAwsCredentials,
  leftoverReaper: reapAmazonResources,
  run: (ctx, prepared) => runAmazonBuild("amazon-ebssurrogate", prepared, async (config, clients) => {
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
      .then(stepSnapshotVolumes(config))
      .then(stepDeregisterAmi(config))
      .then(stepRegisterAmi(config))
      .then(stepCopyAmi(config))
      .then(stepAmiAttributes(config));
    const state = await steps.run(ctx, clients, { pause: ctx.pause, keepOnError: ctx.keepOnError });
    return amiArtifact(BUILDER_ID, state.amis);
  }),
};
