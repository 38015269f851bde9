/**
 * Packer's StepConnect for EC2: ssh_host when given (tests point it at a loopback sshd), else the
 * instance address ssh_interface names; the temporary key pair's private key is used to log in.
 */
import type { RunSettings } from "./state.js";
import type { Step } from "../../runner/steps.js";
import { stepConnect, type Connected } from "../common/step-connect.js";
import type { InstanceRunning, KeyPairReady } from "./state.js";

export function stepConnectInstance(config: RunSettings): Step<InstanceRunning & KeyPairReady, Connected> {
  const comm = config.communicator;
  let inner: Step<object, Connected> | undefined;
  return {
    name: "connect",
    async run(ctx, state) {
      if (comm.type !== "ssh") {
        inner = stepConnect(comm);
        return inner.run(ctx, state);
      }
      const host = comm.ssh.host || instanceAddress(config.sshInterface, state.instance);
      if (!host) throw new Error(`instance ${state.instanceId} has no ${config.sshInterface} address (set ssh_interface or ssh_host)`);
      const ssh = { ...comm.ssh, host, privateKey: comm.ssh.privateKey ?? state.privateKey };
      inner = stepConnect({ ...comm, ssh });
      return inner.run(ctx, state);
    },
    async cleanup(ctx, state) {
      await inner?.cleanup?.(ctx, state);
    },
  };
}

function instanceAddress(sshInterface: string, i: InstanceRunning["instance"]): string | undefined {
  switch (sshInterface) {
    case "private_ip": return i.PrivateIpAddress;
    case "public_dns": return i.PublicDnsName || undefined;
    case "private_dns": return i.PrivateDnsName || undefined;
    // Packer's default: the public address, else the private one (instances in a private subnet).
    default: return i.PublicIpAddress || i.PrivateIpAddress;
  }
}
