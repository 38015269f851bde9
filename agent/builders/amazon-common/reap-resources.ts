/**
 * The farm's leftover reaper for the amazon builders: after a crash, terminate the instances and
 * delete the key pairs, security groups, spot launch templates (and close their spot requests),
 * volumes the instances left behind, and temporary IAM instance profiles and roles that Kiln tagged
 * with this host and a dead job's agent process (kiln-tags.ts), and say what was removed.
 *
 * Where to look is the agent's own AWS setting — AWS_REGION (or the shared config's region) and,
 * for a private endpoint, AWS_ENDPOINT_URL_EC2 — because a dead job's template is not read here:
 * resources a template put in another region or behind its own custom_endpoint_ec2 are not reaped.
 */
import { errorMessage } from "../../../shared/error-message.js";
import os from "node:os";
import {
  CancelSpotInstanceRequestsCommand, DeleteKeyPairCommand, DeleteLaunchTemplateCommand, DeleteSecurityGroupCommand,
  DeleteVolumeCommand, DescribeInstancesCommand, DescribeKeyPairsCommand, DescribeLaunchTemplatesCommand,
  DescribeSecurityGroupsCommand, DescribeSpotInstanceRequestsCommand, DescribeVolumesCommand, EC2Client, TerminateInstancesCommand,
  type Filter,
} from "@aws-sdk/client-ec2";
import {
  DeleteInstanceProfileCommand, DeleteRoleCommand, DeleteRolePolicyCommand, IAMClient, ListInstanceProfileTagsCommand,
  ListInstanceProfilesCommand, ListRolePoliciesCommand, ListRolesCommand, ListRoleTagsCommand, RemoveRoleFromInstanceProfileCommand,
} from "@aws-sdk/client-iam";
import type { OperatorLog } from "../../../shared/operator-log.js";
import type { DeadJob, LeftoverReaper } from "../types.js";
import { awsErrorCode } from "./aws-error.js";
import { KILN_HOST_TAG, KILN_PID_TAG } from "./kiln-tags.js";
import { pollUntil } from "./poll.js";

export const reapAmazonResources: LeftoverReaper = async (deadJobs, log) => {
  if (deadJobs.length === 0) return;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const env = process.env;
  const ec2 = new EC2Client({ region: env.AWS_REGION || env.AWS_DEFAULT_REGION, endpoint: env.AWS_ENDPOINT_URL_EC2 || env.AWS_ENDPOINT_URL || undefined });
  try {
    await ec2.config.credentials();
  } catch {
    // No credentials: this agent never advertised `aws`, so it ran no amazon job to reap.
    ec2.destroy();
    return;
  }
  try {
    const mine = [
      { Name: `tag:${KILN_HOST_TAG}`, Values: [os.hostname()] },
      { Name: `tag:${KILN_PID_TAG}`, Values: [...new Set(deadJobs.map((j: DeadJob) => String(j.pid)))] },
    ];
    const described = await ec2.send(new DescribeInstancesCommand({ Filters: [...mine, { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] }] }));
    const instanceIds = (described.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId).filter((id): id is string => !!id);
    if (instanceIds.length > 0) {
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: instanceIds }));
      log.info("terminated EC2 instances left by a dead job", { instances: instanceIds });
      // The security groups can only go once nothing uses them.
      await pollUntil(async () => {
        const d = await ec2.send(new DescribeInstancesCommand({ InstanceIds: instanceIds }));
        const alive = (d.Reservations ?? []).flatMap((r) => r.Instances ?? []).filter((i) => i.State?.Name !== "terminated");
        return alive.length === 0 ? true : undefined;
      }, { what: "the dead jobs' instances to terminate", signal: new AbortController().signal });
    }
    const spot = await ec2.send(new DescribeSpotInstanceRequestsCommand({ Filters: [...mine, { Name: "state", Values: ["open", "active"] }] }));
    const requests = (spot.SpotInstanceRequests ?? []).map((r) => r.SpotInstanceRequestId).filter((id): id is string => !!id);
    if (requests.length > 0) {
      await ec2.send(new CancelSpotInstanceRequestsCommand({ SpotInstanceRequestIds: requests }));
      log.info("cancelled spot requests left by a dead job", { spotRequests: requests });
    }
    const templates = await ec2.send(new DescribeLaunchTemplatesCommand({ Filters: mine }));
    for (const lt of templates.LaunchTemplates ?? []) {
      await ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: lt.LaunchTemplateId }));
      log.info("deleted a spot launch template left by a dead job", { launchTemplate: lt.LaunchTemplateName });
    }
    // Volumes the instances were launched with and did not delete on termination (a finished
    // amazon-ebsvolume build removes Kiln's tags from the volumes it hands over).
    const volumes = await ec2.send(new DescribeVolumesCommand({ Filters: [...mine, { Name: "status", Values: ["available"] }] }));
    for (const v of volumes.Volumes ?? []) {
      await ec2.send(new DeleteVolumeCommand({ VolumeId: v.VolumeId }));
      log.info("deleted an EBS volume left by a dead job", { volume: v.VolumeId });
    }
    const keys = await ec2.send(new DescribeKeyPairsCommand({ Filters: mine }));
    for (const k of keys.KeyPairs ?? []) {
      await ec2.send(new DeleteKeyPairCommand({ KeyName: k.KeyName }));
      log.info("deleted an EC2 key pair left by a dead job", { keyPair: k.KeyName });
    }
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: mine }));
    for (const g of groups.SecurityGroups ?? []) {
      await pollUntil(async () => {
        try {
          await ec2.send(new DeleteSecurityGroupCommand({ GroupId: g.GroupId }));
          return true;
        } catch (e) {
          if (awsErrorCode(e) === "DependencyViolation") return undefined;
          throw e;
        }
      }, { what: `security group ${g.GroupId} to be deletable`, signal: new AbortController().signal });
      log.info("deleted an EC2 security group left by a dead job", { securityGroup: g.GroupId, name: g.GroupName });
    }
    await reapInstanceProfiles(mine, log);
  } catch (e) {
    log.warn("could not reap the amazon resources of dead jobs", { error: `${awsErrorCode(e) ?? ""} ${errorMessage(e)}`.trim() });
  } finally {
    ec2.destroy();
  }
};


/**
 * Temporary instance profiles (and their roles) are named "packer-…" like Packer's; IAM cannot
 * filter by tag, so each such profile's tags are read. IAM's endpoint: AWS_ENDPOINT_URL_IAM.
 */
async function reapInstanceProfiles(mine: Filter[], log: OperatorLog): Promise<void> {
  const want = new Map(mine.map((f) => [f.Name!.slice("tag:".length), new Set(f.Values)]));
  const isMine = (tags: { Key?: string; Value?: string }[]): boolean =>
    [...want].every(([key, values]) => tags.some((t) => t.Key === key && values.has(t.Value ?? "")));
  const iam = new IAMClient({ region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || "us-east-1" });
  try {
    const listed = await iam.send(new ListInstanceProfilesCommand({}));
    for (const p of listed.InstanceProfiles ?? []) {
      if (!p.InstanceProfileName?.startsWith("packer-")) continue;
      const tags = (await iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: p.InstanceProfileName }))).Tags ?? [];
      if (!isMine(tags)) continue;
      for (const role of p.Roles ?? []) await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: p.InstanceProfileName, RoleName: role.RoleName }));
      await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: p.InstanceProfileName }));
      log.info("deleted a temporary IAM instance profile left by a dead job", { instanceProfile: p.InstanceProfileName });
    }
    // Roles after the profiles: a crash between CreateRole and AddRoleToInstanceProfile leaves one alone.
    const roles = await iam.send(new ListRolesCommand({}));
    for (const role of roles.Roles ?? []) {
      if (!role.RoleName?.startsWith("packer-")) continue;
      const tags = (await iam.send(new ListRoleTagsCommand({ RoleName: role.RoleName }))).Tags ?? [];
      if (!isMine(tags)) continue;
      const policies = await iam.send(new ListRolePoliciesCommand({ RoleName: role.RoleName }));
      for (const policy of policies.PolicyNames ?? []) await iam.send(new DeleteRolePolicyCommand({ RoleName: role.RoleName, PolicyName: policy }));
      await iam.send(new DeleteRoleCommand({ RoleName: role.RoleName }));
      log.info("deleted a temporary IAM role left by a dead job", { role: role.RoleName });
    }
  } finally {
    iam.destroy();
  }
}
