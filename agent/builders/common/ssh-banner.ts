/**
 * Waits until a guest's sshd really answers through a forwarded loopback port, before the SSH
 * handshake (the qemu, libvirt and virtualbox builders). A user-mode forward accepts a TCP
 * connection at once even while the guest is still booting, and a handshake on it then hangs
 * until its timeout (20 s lost per attempt under TCG). A short probe for the "SSH-" banner,
 * repeated every 100 ms, connects as soon as sshd is up instead. A probe the forward refuses or
 * resets costs well under a millisecond of host time; every probe interval is time added to the
 * build on average (half an interval).
 *
 * The connection that saw the banner is kept, banner pushed back, for the SSH handshake: a
 * second connection would make the guest's sshd fork and re-exec itself once more, about a
 * second of emulated CPU under TCG.
 */
import { createConnection, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

const PROBE_INTERVAL_MS = 100;
/** A booting guest can take seconds to send the banner after accepting (sshd re-execs itself). */
const BANNER_WAIT_MS = 2_000;

/**
 * Probes `port` on 127.0.0.1 for an SSH banner until one answers or `timeoutMs` passes; resolves
 * with the connection that saw it (banner pushed back), or undefined at the deadline.
 * `checkGuest` throws when the guest is gone, which ends the wait at once (each builder knows how to tell).
 */
export async function waitForSshBanner(port: number, timeoutMs: number, signal: AbortSignal, checkGuest: () => void | Promise<void>): Promise<Socket | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await checkGuest();
    const sock = await sshBanner(port, BANNER_WAIT_MS);
    if (sock) return sock;
    await sleep(PROBE_INTERVAL_MS, undefined, { signal });
  }
  return undefined;
}

/** A connection whose first bytes are an SSH banner, paused with them pushed back; else undefined. */
function sshBanner(port: number, waitMs: number): Promise<Socket | undefined> {
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
