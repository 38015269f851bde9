/**
 * Waits until the guest's sshd really answers through the forward, before the SSH handshake.
 * QEMU's user-mode forward accepts a TCP connection at once even while the guest is still
 * booting, and a handshake on it then hangs until its timeout (20 s lost per attempt under
 * TCG). A short probe for the "SSH-" banner, repeated every half second, connects as soon as
 * sshd is up instead. Fails early when QEMU exits meanwhile.
 */
import { createConnection } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { Step } from "../../runner/steps.js";
import type { PortsReady } from "./step-host-ports.js";
import type { QemuRunning } from "./step-run-qemu.js";

export function stepWaitSshd(timeoutMs: number): Step<PortsReady & QemuRunning, object> {
  return {
    name: "wait for sshd",
    async run(ctx, state) {
      const deadline = Date.now() + timeoutMs;
      ctx.ui.say("Waiting for the guest's sshd to answer...");
      while (Date.now() < deadline) {
        if (!state.qemu.isRunning()) throw new Error(`QEMU exited before the guest's sshd answered: ${state.qemu.stderr() || "no error output"}`);
        if (await sshBanner(state.sshHostPort, 2_000)) return {};
        await sleep(500, undefined, { signal: ctx.signal });
      }
      // Let the SSH step try and report with its own, detailed error.
      return {};
    },
  };
}

function sshBanner(port: number, waitMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: "127.0.0.1", port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), waitMs);
    sock.once("data", (d: Buffer) => done(d.toString("latin1").startsWith("SSH-")));
    sock.once("error", () => done(false));
    sock.once("close", () => done(false));
  });
}
