/**
 * Waits until the guest's sshd really answers through the forward, before the SSH handshake.
 * QEMU's user-mode forward accepts a TCP connection at once even while the guest is still
 * booting, and a handshake on it then hangs until its timeout (20 s lost per attempt under
 * TCG). A short probe for the "SSH-" banner, repeated every 100 ms, connects as soon as sshd
 * is up instead. A probe the forward refuses or resets costs well under a millisecond of host
 * time, so probing often is cheap; every probe interval is time added to the build on average
 * (half an interval), and 500 ms cost 0.25 s per build. Fails early when QEMU exits meanwhile.
 *
 * The connection that saw the banner is kept, banner pushed back, for the SSH handshake: a
 * second connection would make the guest's sshd fork and re-exec itself once more, about a
 * second of emulated CPU under TCG.
 */
import { createConnection, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { Step } from "../../runner/steps.js";
import type { PortsReady } from "./step-host-ports.js";
import type { QemuRunning } from "./step-run-qemu.js";

const PROBE_INTERVAL_MS = 100;
/** A booting guest can take seconds to send the banner after accepting (sshd re-execs itself). */
const BANNER_WAIT_MS = 2_000;

export interface SshdAnswered {
  /** Open to sshd, paused, its banner unread: for the first SSH attempt. Unset after a timeout. */
  sshdSocket?: Socket;
}

export function stepWaitSshd(timeoutMs: number): Step<PortsReady & QemuRunning, SshdAnswered> {
  let kept: Socket | undefined;
  return {
    name: "wait for sshd",
    async run(ctx, state) {
      const deadline = Date.now() + timeoutMs;
      ctx.ui.say("Waiting for the guest's sshd to answer...");
      while (Date.now() < deadline) {
        if (!state.qemu.isRunning()) throw new Error(`QEMU exited before the guest's sshd answered: ${state.qemu.stderr() || "no error output"}`);
        kept = await sshBanner(state.sshHostPort, BANNER_WAIT_MS);
        if (kept) return { sshdSocket: kept };
        await sleep(PROBE_INTERVAL_MS, undefined, { signal: ctx.signal });
      }
      // Let the SSH step try and report with its own, detailed error.
      return {};
    },
    async cleanup() {
      // The SSH client owns it by now and has closed it; this is for a build that stopped before.
      kept?.destroy();
      kept = undefined;
    },
  };
}

/** A connection whose first bytes are an SSH banner, paused with them pushed back; else undefined. */
export function sshBanner(port: number, waitMs: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: "127.0.0.1", port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      sock.removeAllListeners();
      if (!ok) {
        sock.destroy();
        return resolve(undefined);
      }
      sock.on("error", () => undefined); // until the SSH client adds its own handler
      resolve(sock);
    };
    const timer = setTimeout(() => done(false), waitMs);
    sock.once("data", (d: Buffer) => {
      sock.pause();
      sock.unshift(d);
      done(d.toString("latin1").startsWith("SSH-"));
    });
    sock.once("error", () => done(false));
    sock.once("close", () => done(false));
  });
}
