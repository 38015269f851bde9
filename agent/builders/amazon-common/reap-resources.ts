/**
 * The farm's leftover reaper for the amazon builders: after a crash, terminate the instances and
 * delete the key pairs and security groups that Kiln tagged with this host and a dead job's agent
 * process (kiln-tags.ts), and say what was removed.
 *
 * Where to look is the agent's own AWS setting — AWS_REGION (or the shared config's region) and,
 * for a private endpoint, AWS_ENDPOINT_URL_EC2 — because a dead job's template is not read here:
 * resources a template put in another region or behind its own custom_endpoint_ec2 are not reaped.
 */
import os from "node:os";
import {
  DeleteKeyPairCommand, DeleteSecurityGroupCommand, DescribeInstancesCommand, DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand, EC2Client, TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
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
  } catch (e) {
    log.warn("could not reap the amazon resources of dead jobs", { error: `${awsErrorCode(e) ?? ""} ${e instanceof Error ? e.message : String(e)}`.trim() });
  } finally {
    ec2.destroy();
  }
};

