/**
 * Packer's StepSecurityGroup: the given security_group_id(s), or a temporary group open on the
 * communicator's port to temporary_security_group_source_cidrs only, deleted at the end (retried:
 * EC2 refuses while the terminated instance still references it).
 */
import {
  AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DeleteSecurityGroupCommand, DescribeSecurityGroupsCommand,
} from "@aws-sdk/client-ec2";
import { randomUUID } from "node:crypto";
import type { RunSettings } from "./state.js";
import type { Step } from "../../runner/steps.js";
import { awsCall, awsErrorCode } from "./aws-error.js";
import { kilnTags } from "./kiln-tags.js";
import { pollUntil } from "./poll.js";
import type { Clients, NetworkResolved, SecurityGroupsReady } from "./state.js";
import { ec2Filters } from "./step-network-info.js";

export function stepSecurityGroup(config: RunSettings): Step<Clients & NetworkResolved, SecurityGroupsReady & { createdGroupId?: string }> {
  return {
    name: "security group",
    async run(ctx, state) {
      if (config.securityGroupIds.length > 0) {
        ctx.ui.say(`Using specified security groups: ${config.securityGroupIds.join(", ")}`);
        return { securityGroupIds: config.securityGroupIds };
      }
      if (config.securityGroupFilter) {
        const filters = { ...config.securityGroupFilter, ...(state.network.vpcId ? { "vpc-id": state.network.vpcId } : {}) };
        const found = await awsCall("DescribeSecurityGroups", () => state.ec2.send(new DescribeSecurityGroupsCommand({ Filters: ec2Filters(filters) }), { abortSignal: ctx.signal }));
        const ids = (found.SecurityGroups ?? []).map((g) => g.GroupId).filter((id): id is string => id !== undefined);
        // As Packer: no match launches with the VPC's default group (said out loud here).
        if (ids.length === 0) ctx.ui.error(`Warning: no security group matched security_group_filter ${JSON.stringify(filters)}: the instance gets the VPC's default group`);
        ctx.ui.message(`Found Security Group(s): ${ids.join(", ")}`);
        return { securityGroupIds: ids };
      }
      const port = config.communicator.type === "ssh" ? config.communicator.ssh.port : 22;
      const groupName = `packer_${randomUUID()}`;
      ctx.ui.say("Creating temporary security group for this instance: " + groupName);
      const created = await awsCall("CreateSecurityGroup", () =>
        state.ec2.send(new CreateSecurityGroupCommand({
          GroupName: groupName,
          Description: "Temporary group for Packer",
          VpcId: state.network.vpcId,
          TagSpecifications: [{ ResourceType: "security-group", Tags: kilnTags(ctx.build.name) }],
        }), { abortSignal: ctx.signal }));
      const groupId = created.GroupId;
      if (!groupId) throw new Error("CreateSecurityGroup returned no group id");
      ctx.ui.say(`Authorizing access to port ${port} from ${config.temporarySecurityGroupSourceCidrs.join(", ")} in the temporary security groups...`);
      const partial = { securityGroupIds: [groupId], createdGroupId: groupId };
      try {
        await awsCall("AuthorizeSecurityGroupIngress", () =>
          state.ec2.send(new AuthorizeSecurityGroupIngressCommand({
            GroupId: groupId,
            IpPermissions: [{
              IpProtocol: "tcp", FromPort: port, ToPort: port,
              IpRanges: config.temporarySecurityGroupSourceCidrs.filter((c) => !c.includes(":")).map((CidrIp) => ({ CidrIp })),
              Ipv6Ranges: config.temporarySecurityGroupSourceCidrs.filter((c) => c.includes(":")).map((CidrIpv6) => ({ CidrIpv6 })),
            }],
          }), { abortSignal: ctx.signal }));
      } catch (e) {
        // The group exists: have the cleanup see it even though this step failed.
        Object.assign(state, partial);
        throw e;
      }
      return partial;
    },
    async cleanup(ctx, state) {
      if (!state.createdGroupId) return;
      ctx.ui.say("Deleting temporary security group...");
      const groupId = state.createdGroupId;
      // Not ctx.signal: cleanup must finish after a cancel.
      await pollUntil(async () => {
        try {
          await state.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
          return true;
        } catch (e) {
          if (awsErrorCode(e) === "DependencyViolation") return undefined;
          if (awsErrorCode(e) === "InvalidGroup.NotFound") return true;
          throw e;
        }
      }, { what: `security group ${groupId} to be deletable`, signal: new AbortController().signal });
    },
  };
}
