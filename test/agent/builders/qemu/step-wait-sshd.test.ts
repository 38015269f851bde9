/**
 * The sshd readiness probe against a loopback server that behaves like QEMU's user-mode forward
 * while the guest boots: it accepts and closes at once, and only later sends the SSH banner. The
 * step must not return on those early accepts, must return soon after the banner appears (the
 * probe interval bounds the delay), and must fail at once when QEMU exits.
 */
import test from "ava";
import { createServer, type Server } from "node:net";
import { startQemu } from "../../../../agent/builders/qemu/qemu-process.js";
import { stepWaitSshd } from "../../../../agent/builders/qemu/step-wait-sshd.js";
import { recordingContext, tempDir } from "../../fixtures/recording-run-context.js";

/**
 * Closes every connection until `readyAfterMs`, then answers with an SSH banner. `bannerAt` is
 * when the first banner went out: the test's clock starts where the forward's does, so time the
 * machine spends between the two (a loaded CI host) cannot look like an early return.
 */
async function bootingForward(readyAfterMs: number): Promise<{ server: Server; port: number; accepts: () => number; bannerAt: () => number | undefined }> {
  const start = performance.now();
  let accepts = 0;
  let bannerAt: number | undefined;
  const server = createServer((sock) => {
    accepts++;
    if (performance.now() - start < readyAfterMs) sock.destroy();
    else {
      bannerAt ??= performance.now();
      sock.end("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return { server, port: address.port, accepts: () => accepts, bannerAt: () => bannerAt };
}

test("returns within a probe interval of the banner appearing, not on the forward's early accepts", async (t) => {
  const { server, port, accepts, bannerAt } = await bootingForward(1_500);
  const qemu = startQemu("sleep", ["30"]);
  try {
    const { ctx } = recordingContext(await tempDir());
    const { sshdSocket } = await stepWaitSshd(60_000).run(ctx, { qemu, qmpSocket: "", accel: "tcg", sshHostPort: port, vncPort: 5900 });
    const returnedAt = performance.now();
    const banner = bannerAt();
    if (banner === undefined) return t.fail("the step returned before the forward ever sent the banner");
    // Not before the banner (above), and soon after it: the probe runs every 100 ms; the bound
    // leaves a loaded machine room and still fails a probe that backs off or waits for a timeout.
    t.true(returnedAt - banner < 1_500, `returned ${Math.round(returnedAt - banner)} ms after the banner appeared`);
    t.true(accepts() >= 5, `only ${accepts()} probes in 1.5 s`);
    // The connection that saw the banner is handed on with the banner still to read.
    t.truthy(sshdSocket);
    const first = await new Promise<string>((resolve) => {
      sshdSocket!.once("data", (d: Buffer) => resolve(d.toString()));
      sshdSocket!.resume();
    });
    t.is(first, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
    sshdSocket!.destroy();
  } finally {
    await qemu.kill();
    server.close();
  }
});

test("fails at once with QEMU's error output when QEMU exits while waiting", async (t) => {
  const { server, port } = await bootingForward(60_000);
  const qemu = startQemu("sh", ["-c", "echo 'could not open disk image' >&2; exit 1"]);
  try {
    await qemu.exited;
    const { ctx } = recordingContext(await tempDir());
    const error = await t.throwsAsync(stepWaitSshd(60_000).run(ctx, { qemu, qmpSocket: "", accel: "tcg", sshHostPort: port, vncPort: 5900 }));
    t.regex(error?.message ?? "", /QEMU exited before the guest's sshd answered: could not open disk image/);
  } finally {
    server.close();
  }
});
