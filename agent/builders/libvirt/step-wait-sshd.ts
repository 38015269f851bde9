/**
 * The qemu builder's wait for the guest's sshd banner (qemu/step-wait-sshd.ts explains why),
 * through a `user` interface's forwarded port: QEMU's user-mode forward accepts TCP at once while
 * the guest still boots, and an SSH handshake on it would hang until its timeout. The connection
 * that saw the banner is handed to the SSH step.
 */
import type { Socket } from "node:net";
import type { Step } from "../../runner/steps.js";
import { waitForSshBanner } from "../common/ssh-banner.js";
import type { DomainDefined } from "./step-define-domain.js";
import type { PortForwarded } from "./step-forward-port.js";

export interface SshdAnswered {
  sshdSocket?: Socket;
}

export function stepWaitSshd(timeoutMs: number, viaForward: boolean): Step<DomainDefined & PortForwarded, SshdAnswered> {
  let kept: Socket | undefined;
  return {
    name: "wait for sshd",
    async run(ctx, state) {
      if (!viaForward || state.forwardedPort === undefined) return {};
      ctx.ui.say("Waiting for the guest's sshd to answer...");
      kept = await waitForSshBanner(state.forwardedPort, timeoutMs, ctx.signal, async () => {
        if (!(await state.domain.isActive())) throw new Error(`domain ${state.domain.name} stopped before the guest's sshd answered`);
      });
      return kept ? { sshdSocket: kept } : {};
    },
    async cleanup() {
      kept?.destroy();
      kept = undefined;
    },
  };
}
