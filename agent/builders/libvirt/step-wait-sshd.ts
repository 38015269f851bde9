/**
 * The qemu builder's wait for the guest's sshd banner (qemu/step-wait-sshd.ts explains why),
 * through a `user` interface's forwarded port: QEMU's user-mode forward accepts TCP at once while
 * the guest still boots, and an SSH handshake on it would hang until its timeout. The connection
 * that saw the banner is handed to the SSH step.
 */
import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { Step } from "../../runner/steps.js";
import { sshBanner } from "../qemu/step-wait-sshd.js";
import type { DomainDefined } from "./step-define-domain.js";
import type { PortForwarded } from "./step-forward-port.js";

const PROBE_INTERVAL_MS = 100;
const BANNER_WAIT_MS = 2_000;

export interface SshdAnswered {
  sshdSocket?: Socket;
}

export function stepWaitSshd(timeoutMs: number, viaForward: boolean): Step<DomainDefined & PortForwarded, SshdAnswered> {
  let kept: Socket | undefined;
  return {
    name: "wait for sshd",
    async run(ctx, state) {
      if (!viaForward || state.forwardedPort === undefined) return {};
      const deadline = Date.now() + timeoutMs;
      ctx.ui.say("Waiting for the guest's sshd to answer...");
      while (Date.now() < deadline) {
        if (!(await state.domain.isActive())) throw new Error(`domain ${state.domain.name} stopped before the guest's sshd answered`);
        kept = await sshBanner(state.forwardedPort, BANNER_WAIT_MS);
        if (kept) return { sshdSocket: kept };
        await sleep(PROBE_INTERVAL_MS, undefined, { signal: ctx.signal });
      }
      return {};
    },
    async cleanup() {
      kept?.destroy();
      kept = undefined;
    },
  };
}
