/**
 * Waits until the guest's sshd really answers through the forward, before the SSH handshake.
 * QEMU's user-mode forward accepts a TCP connection at once even while the guest is still
 * booting, and a handshake on it then hangs until its timeout (20 s lost per attempt under
 * TCG). A short probe for the "SSH-" banner, repeated every 100 ms, connects as soon as sshd
 * is up instead. A probe the forward refuses or resets costs well under a millisecond of host
 * time, so probing often is cheap; every probe interval is time added to the build on average
 * (half an interval), and 500 ms cost 0.25 s per build. Fails early when QEMU exits meanwhile.
 */
import { createConnection } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { Step } from "../../runner/steps.js";
import type { PortsReady } from "./step-host-ports.js";
import type { QemuRunning } from "./step-run-qemu.js";

const PROBE_INTERVAL_MS = 100;
/** A booting guest can take seconds to send the banner after accepting (sshd re-execs itself). */
const BANNER_WAIT_MS = 2_000;

export function stepWaitSshd(timeoutMs: number): Step<PortsReady & QemuRunning, object> {
  return {
    name: "wait for sshd",
    async run(ctx, state) {
      const deadline = Date.now() + timeoutMs;
      ctx.ui.say("Waiting for the guest's sshd to answer...");
      while (Date.now() < deadline) {
        if (!state.qemu.isRunning()) throw new Error(`QEMU exited before the guest's sshd answered: ${state.qemu.stderr() || "no error output"}`);
        if (await sshBanner(state.sshHostPort, BANNER_WAIT_MS)) return {};
        await sleep(PROBE_INTERVAL_MS, undefined, { signal: ctx.signal });
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
