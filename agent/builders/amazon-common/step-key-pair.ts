/**
 * Packer's StepKeyPair: a temporary key pair made by EC2 (its private half is used to connect and
 * deleted with the pair), or the user's ssh_keypair_name + ssh_private_key_file, or keys from the
 * SSH agent (ssh_agent_auth). With ssh_password and no key settings, no key pair is used (as in Packer).
 */
import { CreateKeyPairCommand, DeleteKeyPairCommand } from "@aws-sdk/client-ec2";
import { randomUUID } from "node:crypto";
import type { RunSettings } from "./state.js";
import type { Step } from "../../runner/steps.js";
import { awsCall } from "./aws-error.js";
import { kilnTags } from "./kiln-tags.js";
import type { Clients, KeyPairReady } from "./state.js";

export function stepKeyPair(config: RunSettings): Step<Clients, KeyPairReady & { createdKeyPair?: string }> {
  return {
    name: "key pair",
    async run(ctx, state) {
      const ssh = config.communicator.type === "ssh" ? config.communicator.ssh : undefined;
      if (!ssh) return {};
      if (ssh.privateKeyFile) {
        ctx.ui.say("Using existing SSH private key");
        return { keyPairName: ssh.keyPairName };
      }
      if (ssh.agentAuth) {
        // ssh_agent_auth: the instance trusts a key the agent at SSH_AUTH_SOCK holds.
        ctx.ui.say(ssh.keyPairName ? `Using SSH Agent for existing key pair ${ssh.keyPairName}` : "Using SSH Agent with key pair in Source AMI");
        return { keyPairName: ssh.keyPairName };
      }
      if (ssh.keyPairName) return { keyPairName: ssh.keyPairName };
      if (ssh.password) {
        ctx.ui.say("Not using temporary keypair");
        return {};
      }
      const name = ssh.temporaryKeyPairName || `packer_${randomUUID()}`;
      ctx.ui.say(`Creating temporary keypair: ${name}`);
      const created = await awsCall("CreateKeyPair", () =>
        state.ec2.send(new CreateKeyPairCommand({ KeyName: name, TagSpecifications: [{ ResourceType: "key-pair", Tags: kilnTags(ctx.build.name) }] }), { abortSignal: ctx.signal }));
      if (!created.KeyMaterial) throw new Error(`CreateKeyPair ${name} returned no key material`);
      return { keyPairName: name, privateKey: created.KeyMaterial, createdKeyPair: name };
    },
    async cleanup(ctx, state) {
      if (!state.createdKeyPair) return;
      ctx.ui.say("Deleting temporary keypair...");
      await awsCall("DeleteKeyPair", () => state.ec2.send(new DeleteKeyPairCommand({ KeyName: state.createdKeyPair })));
    },
  };
}
