/**
 * Waits for the guest's sshd banner on the forwarded port before the SSH handshake (see
 * common/ssh-banner.ts), ending early if the VM stops. VirtualBox is asked about the VM at most
 * every 2 s: each question is a VBoxManage process.
 */
import type { Socket } from "node:net";
import type { VirtualBoxCommonConfig as Config } from "../../../shared/components/builders/virtualbox-common.js";
import type { Step } from "../../runner/steps.js";
import { waitForSshBanner } from "../common/ssh-banner.js";
import type { VmStarted } from "./step-start-vm.js";
import type { DriverReady, PortForwardReady, VmReady } from "./state.js";

const STATE_CHECK_MS = 2_000;

export interface SshdAnswered {
  sshdSocket?: Socket;
}

export function stepWaitSshd(config: Config): Step<DriverReady & VmReady & PortForwardReady & VmStarted, SshdAnswered> {
  let kept: Socket | undefined;
  return {
    name: "wait for sshd",
    async run(ctx, { vbox, vmName, commHostPort }) {
      const comm = config.communicator;
      // Only through our own loopback forward; other hosts are the SSH step's business.
      if (comm.type !== "ssh" || config.skipNatMapping || comm.ssh.host !== "127.0.0.1" || commHostPort === 0) return {};
      ctx.ui.say("Waiting for the guest's sshd to answer...");
      let checkedAt = 0;
      kept = await waitForSshBanner(commHostPort, comm.ssh.timeoutMs, ctx.signal, async () => {
        if (Date.now() - checkedAt < STATE_CHECK_MS) return;
        checkedAt = Date.now();
        if (!(await vbox.isRunning(vmName, ctx.signal))) throw new Error(`the VM ${vmName} stopped before its sshd answered`);
      });
      return kept ? { sshdSocket: kept } : {};
    },
    async cleanup() {
      kept?.destroy();
      kept = undefined;
    },
  };
}
