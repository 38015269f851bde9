/**
 * Packer's `amazon-ebsvolume` builder on the AWS SDK: launch an instance (on demand or spot) with
 * `ebs_volumes`, tag them, provision over SSH, stop the instance; the volumes not deleted on
 * termination outlive it and are the artifact. Everything else (instance, key pair, group,
 * instance profile, launch template) is removed, also on failure and cancel.
 */
import { schema, type Config } from "../../../shared/components/builders/amazon-ebsvolume.js";
import type { Artifact } from "../../runner/artifact.js";
import { StepList } from "../../runner/steps.js";
import { stepProvision, type Connected } from "../common/step-connect.js";
import type { BuilderPlugin } from "../types.js";
import { runAmazonBuild } from "../amazon-common/run-build.js";
import { probeAwsCredentials } from "../amazon-common/host-probe.js";
import { reapAmazonResources } from "../amazon-common/reap-resources.js";
import type { Clients, InstanceRunning, KeyPairReady } from "../amazon-common/state.js";
import { stepConnectInstance } from "../amazon-common/step-connect-instance.js";
import { stepIamInstanceProfile } from "../amazon-common/step-iam-instance-profile.js";
import { stepKeyPair } from "../amazon-common/step-key-pair.js";
import { stepLaunchInstance } from "../amazon-common/step-launch-instance.js";
import { stepModifyInstance } from "../amazon-common/step-modify-instance.js";
import { stepNetworkInfo } from "../amazon-common/step-network-info.js";
import { stepPreValidate } from "../amazon-common/step-pre-validate.js";
import { stepSecurityGroup } from "../amazon-common/step-security-group.js";
import { stepSourceAmi } from "../amazon-common/step-source-ami.js";
import { stepStopInstance } from "../amazon-common/step-stop-instance.js";
import { stepDeleteVolumesUnlessBuilt, stepReleaseVolumes } from "./step-keep-volumes.js";
import { stepTagEbsVolumes } from "./step-tag-ebs-volumes.js";

export const BUILDER_ID = "mitchellh.amazon.ebsvolume";

export const plugin: BuilderPlugin<Config> = {
  schema,
  hostProbe: probeAwsCredentials,
  leftoverReaper: reapAmazonResources,
  run: (ctx, prepared) => runAmazonBuild("amazon-ebsvolume", prepared, async (config, clients) => {
    const steps = StepList.start<Clients>()
      .then(stepPreValidate({ access: config.access, amiRegions: [], forceDeregister: false }))
      .then(stepSourceAmi(config))
      .then(stepNetworkInfo(config))
      .then(stepKeyPair(config))
      .then(stepSecurityGroup(config))
      .then(stepIamInstanceProfile(config))
      .then(stepDeleteVolumesUnlessBuilt())
      .then(stepLaunchInstance(config, { blockDevices: config.ebsVolumes, volumeTags: config.runVolumeTags }))
      .then(stepTagEbsVolumes(config))
      .then(stepConnectInstance(config))
      .then(stepProvision<Clients & InstanceRunning & KeyPairReady & Connected>(ctx.provision, (s) => ({ ID: s.instanceId })))
      .then(stepStopInstance(config))
      .then(stepModifyInstance(config))
      .then(stepReleaseVolumes());
    const state = await steps.run(ctx, clients, { pause: ctx.pause, keepOnError: ctx.keepOnError });
    const artifact = volumesArtifact({ [config.access.region]: state.volumes });
    ctx.ui.say(`Created Volumes: ${artifact.description}`);
    return artifact;
  }),
};

/** Packer's ebsvolume Artifact: id "region:vol,region:vol" sorted; "EBS Volumes were created:" and one per line. */
export function volumesArtifact(volumes: Record<string, string[]>): Artifact {
  const ids = Object.entries(volumes).flatMap(([region, list]) => list.map((v) => `${region}:${v}`)).sort();
  return {
    builderId: BUILDER_ID,
    id: ids.join(","),
    files: [],
    description: `EBS Volumes were created:\n\n${ids.join("\n")}`,
    state: { volumes: Object.fromEntries(Object.entries(volumes).map(([r, l]) => [r, [...l]])) },
  };
}
