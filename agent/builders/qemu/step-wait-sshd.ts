/**
 * The qemu builder waits for the guest's sshd banner on its forwarded port (common/ssh-banner.ts
 * says why), failing early when QEMU exits meanwhile.
 */
import type { Socket } from "node:net";
import { waitForSshBanner } from "../common/ssh-banner.js";
import type { Step } from "../../runner/steps.js";
import type { PortsReady } from "./step-host-ports.js";
import type { QemuRunning } from "./step-run-qemu.js";

export interface SshdAnswered {
  /** Open to sshd, paused, its banner unread: for the first SSH attempt. Unset after a timeout. */
  sshdSocket?: Socket;
}

export function stepWaitSshd(timeoutMs: number): Step<PortsReady & QemuRunning, SshdAnswered> {
  let kept: Socket | undefined;
  return {
    name: "wait for sshd",
    async run(ctx, state) {
      ctx.ui.say("Waiting for the guest's sshd to answer...");
      kept = await waitForSshBanner(state.sshHostPort, timeoutMs, ctx.signal, () => {
        if (!state.qemu.isRunning()) throw new Error(`QEMU exited before the guest's sshd answered: ${state.qemu.stderr() || "no error output"}`);
      });
      // Without a banner by the deadline, the SSH step tries and reports with its own, detailed error.
      return kept ? { sshdSocket: kept } : {};
    },
    async cleanup() {
      // The SSH client owns it by now and has closed it; this is for a build that stopped before.
      kept?.destroy();
      kept = undefined;
    },
  };
}
