/**
 * Packer's StepIamInstanceProfile: iam_instance_profile (checked to exist unless
 * skip_profile_validation), or, with temporary_iam_instance_profile_policy_document, a temporary
 * instance profile and role (EC2 may assume it) holding that policy, removed at the end: role out
 * of the profile, policy, role, profile. Both carry Kiln's reaper tags.
 */
import { errorMessage } from "../../../shared/error-message.js";
import {
  AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, DeleteInstanceProfileCommand,
  DeleteRoleCommand, DeleteRolePolicyCommand, GetInstanceProfileCommand, GetRoleCommand, PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand, type IAMClient,
} from "@aws-sdk/client-iam";
import { randomUUID } from "node:crypto";
import type { RunContext } from "../../runner/context.js";
import type { Step } from "../../runner/steps.js";
import { awsCall, awsErrorCode } from "./aws-error.js";
import { kilnTags } from "./kiln-tags.js";
import { pollUntil } from "./poll.js";
import type { Clients, InstanceProfileReady, RunSettings } from "./state.js";

/** What the cleanup must undo, recorded as each part is made. */
interface TemporaryProfile {
  createdProfile?: string;
  createdRole?: string;
  createdPolicy?: string;
  roleAttached?: boolean;
}

const EC2_MAY_ASSUME = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] });

export function stepIamInstanceProfile(config: RunSettings): Step<Clients, InstanceProfileReady & TemporaryProfile> {
  return {
    name: "iam instance profile",
    async run(ctx, state) {
      if (config.iamInstanceProfile) {
        if (!config.skipProfileValidation) {
          const iam = await state.iam();
          try {
            await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: config.iamInstanceProfile }), { abortSignal: ctx.signal });
          } catch (e) {
            if (ctx.signal.aborted) throw e;
            throw new Error(`Couldn't find specified instance profile: ${awsErrorCode(e) ?? ""}: ${errorMessage(e)} (check iam_instance_profile, or set skip_profile_validation)`);
          }
        }
        return { instanceProfile: config.iamInstanceProfile };
      }
      const policy = config.temporaryIamInstanceProfilePolicyDocument;
      if (!policy) return {};
      const iam = await state.iam();
      // Packer's name: "packer-" and a time-ordered UUID; the role and its policy share it.
      const name = `packer-${randomUUID()}`;
      const record = (part: TemporaryProfile): void => void Object.assign(state, part);
      const opts = { abortSignal: ctx.signal };
      const tags = kilnTags(ctx.build.name).map((t) => ({ Key: t.Key ?? "", Value: t.Value ?? "" }));

      ctx.ui.say(`Creating temporary instance profile for this instance: ${name}`);
      await awsCall("CreateInstanceProfile", () => iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Tags: tags }), opts));
      record({ createdProfile: name });
      await waitExists(ctx, `instance profile ${name}`, () => iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }), opts));

      ctx.ui.say(`Creating temporary role for this instance: ${name}`);
      await awsCall("CreateRole", () => iam.send(new CreateRoleCommand({
        RoleName: name, Description: "Temporary role for Packer", AssumeRolePolicyDocument: EC2_MAY_ASSUME, Tags: tags,
      }), opts));
      record({ createdRole: name });
      await waitExists(ctx, `role ${name}`, () => iam.send(new GetRoleCommand({ RoleName: name }), opts));

      ctx.ui.say(`Attaching policy to the temporary role: ${name}`);
      await awsCall("PutRolePolicy", () => iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: name, PolicyDocument: JSON.stringify(policy) }), opts));
      record({ createdPolicy: name });
      await awsCall("AddRoleToInstanceProfile", () => iam.send(new AddRoleToInstanceProfileCommand({ RoleName: name, InstanceProfileName: name }), opts));
      record({ roleAttached: true });
      return { instanceProfile: name, createdProfile: name, createdRole: name, createdPolicy: name, roleAttached: true };
    },
    async cleanup(ctx, state) {
      if (!state.createdProfile) return;
      await removeTemporaryProfile(ctx, await state.iam(), state);
    },
  };
}

/** Packer's IAM waiters: GetInstanceProfile / GetRole until the new resource is visible. */
async function waitExists(ctx: RunContext, what: string, get: () => Promise<unknown>): Promise<void> {
  try {
    await pollUntil(async () => {
      try {
        await get();
        return true;
      } catch (e) {
        if (awsErrorCode(e)?.startsWith("NoSuchEntity")) return undefined;
        throw e;
      }
    }, { what, signal: ctx.signal });
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    throw new Error(`Timed out waiting for ${what}: ${errorMessage(e)}`);
  }
}

/** Undoes what was made, each part on its own, so one failure does not leave the rest (Packer says to delete it by hand). */
async function removeTemporaryProfile(ctx: RunContext, iam: IAMClient, t: TemporaryProfile): Promise<void> {
  const failures: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (e) {
      if (awsErrorCode(e)?.startsWith("NoSuchEntity")) return;
      failures.push(`${what}: ${awsErrorCode(e) ?? ""} ${errorMessage(e)}`.trim());
    }
  };
  if (t.roleAttached && t.createdRole) {
    ctx.ui.say("Detaching temporary role from instance profile...");
    await attempt(`please delete the role manually: ${t.createdRole}`, () =>
      iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: t.createdProfile, RoleName: t.createdRole })));
  }
  if (t.createdPolicy && t.createdRole) {
    ctx.ui.say("Removing policy from temporary role...");
    await attempt(`please delete the role policy manually: ${t.createdPolicy}`, () => iam.send(new DeleteRolePolicyCommand({ RoleName: t.createdRole, PolicyName: t.createdPolicy })));
  }
  if (t.createdRole) {
    ctx.ui.say("Deleting temporary role...");
    await attempt(`please delete the role manually: ${t.createdRole}`, () => iam.send(new DeleteRoleCommand({ RoleName: t.createdRole })));
  }
  ctx.ui.say("Deleting temporary instance profile...");
  await attempt(`please delete the instance profile manually: ${t.createdProfile}`, () => iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: t.createdProfile })));
  if (failures.length > 0) throw new Error(`removing the temporary instance profile: ${failures.join("; ")}`);
}
