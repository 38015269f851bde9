import test from "ava";
import { execFile, execFileSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { lstat, mkdir, readFile, readlink, rm, stat, symlink, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import ssh2 from "ssh2";
import { DisconnectedError } from "../../../agent/communicators/types.js";
import {
  CANCEL_WORST_CASE_MS,
  SshCommunicator,
  SshHandshakeError,
  SshTimeoutError,
  generateTemporaryKeyPair,
} from "../../../agent/communicators/ssh/index.js";
import type { SshCommunicatorConfig } from "../../../shared/components/communicator/ssh.js";
import { startSshd, type SshdFixture } from "../../fixtures/sshd.js";
import { tempDir } from "../../fixtures/temp-dir.js";

let sshd: SshdFixture;
let scratch: string;
/** A folder the test user owns, for remote-side files (sshd is local, so we can check them directly). */
let remoteRoot: string;

test.before(async () => {
  sshd = await startSshd();
  scratch = await tempDir("kiln-ssh-test-");
  remoteRoot = await sshd.userDir();
});

test.after.always(async () => {
  if (process.env.KILN_SSHD_LOG) console.log(sshd?.log());
  await sshd?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function config(over: Partial<SshCommunicatorConfig> = {}): SshCommunicatorConfig {
  return sshd.communicatorConfig(over);
}

async function runCapture(comm: SshCommunicator, command: string, signal?: AbortSignal) {
  let stdout = "";
  let stderr = "";
  const status = await comm.run({ command, onStdout: (s) => (stdout += s), onStderr: (s) => (stderr += s) }, signal);
  return { status, stdout, stderr };
}

test("password auth: runs a command as the user and reports its exit status and output", async (t) => {
  const comm = await SshCommunicator.connect(config());
  try {
    const r = await runCapture(comm, "id -un; echo to-stderr >&2; exit 3");
    t.is(r.status, 3);
    t.is(r.stdout, `${sshd.user}\n`);
    t.is(r.stderr, "to-stderr\n");
  } finally {
    await comm.close();
  }
});

test("private key file auth works without a password", async (t) => {
  const comm = await SshCommunicator.connect(config({ password: undefined, privateKeyFile: sshd.privateKeyPath }));
  try {
    t.deepEqual(await runCapture(comm, "echo key-ok"), { status: 0, stdout: "key-ok\n", stderr: "" });
  } finally {
    await comm.close();
  }
});

test("a temporary ed25519 key pair authorized on the machine logs in", async (t) => {
  const pair = generateTemporaryKeyPair("ed25519", 0, "packer_kiln_test");
  t.regex(pair.publicKey, /^ssh-ed25519 AAAA\S+ packer_kiln_test$/);
  await sshd.authorizeKey(pair.publicKey);
  const comm = await SshCommunicator.connect(config({ password: undefined, privateKey: pair.privateKey }));
  try {
    t.is((await runCapture(comm, "echo temp-key")).stdout, "temp-key\n");
  } finally {
    await comm.close();
  }
});

test("a temporary rsa key pair is a valid OpenSSH key that logs in", async (t) => {
  const pair = generateTemporaryKeyPair("rsa", 2048, "packer_rsa");
  t.regex(pair.publicKey, /^ssh-rsa AAAA/);
  // ssh-keygen can derive the public key from the private one: the pair matches.
  const keyFile = path.join(scratch, "tmp_rsa");
  await writeFile(keyFile, pair.privateKey, { mode: 0o600 });
  const derived = execFileSync("ssh-keygen", ["-y", "-f", keyFile]).toString().trim();
  t.is(derived.split(" ").slice(0, 2).join(" "), pair.publicKey.split(" ").slice(0, 2).join(" "));
  await sshd.authorizeKey(pair.publicKey);
  const comm = await SshCommunicator.connect(config({ password: undefined, privateKey: pair.privateKey }));
  try {
    t.is((await runCapture(comm, "echo rsa-ok")).stdout, "rsa-ok\n");
  } finally {
    await comm.close();
  }
});

test("a wrong password fails with a clear handshake error naming host:port, after ssh_handshake_attempts", async (t) => {
  const started = Date.now();
  const err = await t.throwsAsync(
    SshCommunicator.connect(config({ password: "not-the-password", handshakeAttempts: 2 }), { retryDelayMs: 100 }),
    { instanceOf: SshHandshakeError },
  );
  t.is(
    err?.message,
    `ssh: handshake failed with 127.0.0.1:${sshd.port} after 2 attempts: authentication failed for user "${sshd.user}"; check ssh_username/ssh_password`,
  );
  t.false(err?.message.includes("not-the-password"));
  t.true(Date.now() - started < 20_000);
});

test("a port where nothing listens is retried until ssh_timeout, then fails with a timeout error", async (t) => {
  const started = Date.now();
  const err = await t.throwsAsync(SshCommunicator.connect(config({ port: 1, timeoutMs: 1_200 }), { retryDelayMs: 200 }), {
    instanceOf: SshTimeoutError,
  });
  t.regex(err?.message ?? "", /^Timeout waiting for SSH: nothing accepted a connection on 127\.0\.0\.1:1 within ssh_timeout \(1\.2s\); last error: .*ECONNREFUSED/);
  const elapsed = Date.now() - started;
  t.true(elapsed >= 1_000 && elapsed < 5_000, `elapsed ${elapsed}ms`);
});

test("stdin is passed to the command", async (t) => {
  const { Readable } = await import("node:stream");
  const comm = await SshCommunicator.connect(config());
  try {
    let out = "";
    const status = await comm.run({ command: "tr a-z A-Z", stdin: Readable.from(["hello kiln\n"]), onStdout: (s) => (out += s) });
    t.is(status, 0);
    t.is(out, "HELLO KILN\n");
  } finally {
    await comm.close();
  }
});

test("with ssh_pty the command gets a terminal", async (t) => {
  const comm = await SshCommunicator.connect(config({ pty: true }));
  try {
    const r = await runCapture(comm, "test -t 1 && echo has-tty");
    t.is(r.status, 0);
    t.is(r.stdout.trim(), "has-tty");
  } finally {
    await comm.close();
  }
});

test("a command killed by a signal reports 128 + the signal number", async (t) => {
  const comm = await SshCommunicator.connect(config());
  try {
    t.is((await runCapture(comm, "kill -TERM $$; sleep 5")).status, 128 + 15);
  } finally {
    await comm.close();
  }
});

test("upload writes the bytes with the mode asked, download reads them back", async (t) => {
  const comm = await SshCommunicator.connect(config());
  try {
    const bytes = Buffer.concat([Buffer.from("binary\0\r\n"), Buffer.alloc(300_000, 0xab)]);
    const remote = path.join(remoteRoot, "blob.bin");
    await comm.upload(remote, bytes, { mode: 0o750 });
    t.deepEqual(await readFile(remote), bytes);
    t.is((await stat(remote)).mode & 0o777, 0o750);

    const local = path.join(scratch, "blob.back");
    await comm.download(remote, createWriteStream(local));
    t.deepEqual(await readFile(local), bytes);

    const chunks: Buffer[] = [];
    await comm.download(remote, new Writable({ write: (c, _e, cb) => (chunks.push(c), cb()) }));
    t.deepEqual(Buffer.concat(chunks), bytes);
  } finally {
    await comm.close();
  }
});

test("upload into a missing folder fails with a message naming the path", async (t) => {
  const comm = await SshCommunicator.connect(config());
  try {
    const err = await t.throwsAsync(comm.upload(path.join(remoteRoot, "no/such/dir/f.txt"), Buffer.from("x")));
    t.regex(err?.message ?? "", new RegExp(`^ssh: upload to ${remoteRoot}/no/such/dir/f\\.txt on 127\\.0\\.0\\.1:\\d+ failed: .*no such file`));
  } finally {
    await comm.close();
  }
});

async function makeTree(root: string): Promise<void> {
  await mkdir(path.join(root, "sub", "deeper"), { recursive: true });
  await writeFile(path.join(root, "top.txt"), "top\n");
  await writeFile(path.join(root, "run.sh"), "#!/bin/sh\necho run\n", { mode: 0o755 });
  await writeFile(path.join(root, "sub", "a.txt"), "a\n");
  await writeFile(path.join(root, "sub", "deeper", "b.txt"), "b\n");
  await symlink("top.txt", path.join(root, "link"));
}

async function assertTree(t: import("ava").ExecutionContext, root: string): Promise<void> {
  t.is(await readFile(path.join(root, "top.txt"), "utf8"), "top\n");
  t.is(await readFile(path.join(root, "sub", "a.txt"), "utf8"), "a\n");
  t.is(await readFile(path.join(root, "sub", "deeper", "b.txt"), "utf8"), "b\n");
  t.is((await stat(path.join(root, "run.sh"))).mode & 0o777, 0o755);
  t.true((await lstat(path.join(root, "link"))).isSymbolicLink());
  t.is(await readlink(path.join(root, "link")), "top.txt");
}

test("uploadDir: 'src' copies the folder itself, 'src/' copies its contents (rsync rules)", async (t) => {
  const src = path.join(scratch, "tree");
  await makeTree(src);
  const comm = await SshCommunicator.connect(config());
  try {
    const withFolder = path.join(remoteRoot, "up-folder");
    await comm.uploadDir(withFolder, src);
    await assertTree(t, path.join(withFolder, "tree"));

    const contents = path.join(remoteRoot, "up-contents");
    await comm.uploadDir(contents, src + "/");
    await assertTree(t, contents);
    await t.throwsAsync(stat(path.join(contents, "tree")));

    // Uploading again over an existing tree works (folders and links already there).
    await comm.uploadDir(contents, src + "/");
    await assertTree(t, contents);
  } finally {
    await comm.close();
  }
});

test("downloadDir: 'dir' brings the folder, 'dir/' its contents, a glob each match", async (t) => {
  const remote = path.join(remoteRoot, "down-src");
  await makeTree(remote);
  const comm = await SshCommunicator.connect(config());
  try {
    const a = path.join(scratch, "down-a");
    await comm.downloadDir(remote, a);
    await assertTree(t, path.join(a, "down-src"));

    const b = path.join(scratch, "down-b");
    await comm.downloadDir(remote + "/", b);
    await assertTree(t, b);

    const c = path.join(scratch, "down-c");
    await comm.downloadDir(path.join(remote, "*.txt"), c);
    t.is(await readFile(path.join(c, "top.txt"), "utf8"), "top\n");
    await t.throwsAsync(stat(path.join(c, "run.sh")));
  } finally {
    await comm.close();
  }
});

/** Asynchronous, so polling does not stall the event loop (and with it the communicator's timers). */
async function remoteProcessAlive(marker: string): Promise<boolean> {
  try {
    await promisify(execFile)("pgrep", ["-f", marker]);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

/** Timers run late on a machine busy with other work; a hang (the fault) is unbounded, so this still tells them apart. */
const LOADED_MACHINE_SLACK_MS = 8_000;

/** A `sleep` command line no other test (or earlier run) uses, to find and reap its process. */
function uniqueSleep(): string {
  return `sleep 4${Math.floor(Math.random() * 100_000) + 100_000}`;
}

/** Kills what a failed cancel test may leave on the (local) remote side. */
function reapRemote(marker: string): void {
  try {
    execFileSync("pkill", ["-KILL", "-f", marker]);
  } catch {
    // nothing left: the normal case
  }
}

test("cancelling through the AbortSignal stops the remote command and its children", async (t) => {
  t.timeout(CANCEL_WORST_CASE_MS + 20_000);
  const comm = await SshCommunicator.connect(config());
  // A script whose child would outlive a plain channel close.
  const marker = uniqueSleep();
  t.teardown(() => reapRemote(marker));
  try {
    const ac = new AbortController();
    const running = comm.run({ command: `sh -c '${marker}; echo never' & wait` }, ac.signal);
    t.true(await waitUntil(() => remoteProcessAlive(marker), 5_000), "the remote sleep should have started");
    ac.abort();
    const err = await t.throwsAsync(running);
    t.is(err?.name, "AbortError");
    t.true(await waitUntil(async () => !(await remoteProcessAlive(marker)), 5_000), "the remote sleep should be gone");
    // The connection is still usable.
    t.is((await runCapture(comm, "echo still-here")).stdout, "still-here\n");
  } finally {
    await comm.close();
  }
});

test("a cancel that comes while the server is still starting the command stops it and rejects", async (t) => {
  // The race that hung the suite on a loaded machine: the abort lands after run() was called but
  // before ssh2 reports the exec request answered, so no one was listening for it.
  t.timeout(10 * (CANCEL_WORST_CASE_MS + LOADED_MACHINE_SLACK_MS) + 20_000);
  const comm = await SshCommunicator.connect(config());
  t.teardown(() => comm.close());
  for (const delayMs of [0, 0, 1, 2, 3, 5, 8, 13, 21, 34]) {
    const marker = uniqueSleep();
    t.teardown(() => reapRemote(marker));
    const ac = new AbortController();
    const running = comm.run({ command: `sh -c '${marker}; echo never' & wait` }, ac.signal);
    if (delayMs === 0) ac.abort();
    else setTimeout(() => ac.abort(), delayMs);
    const started = Date.now();
    const err = await t.throwsAsync(running);
    t.is(err?.name, "AbortError", `aborted after ${delayMs} ms`);
    t.true(Date.now() - started <= CANCEL_WORST_CASE_MS + LOADED_MACHINE_SLACK_MS, `rejected ${Date.now() - started} ms after a ${delayMs} ms abort`);
    t.true(await waitUntil(async () => !(await remoteProcessAlive(marker)), 5_000), `the remote sleep should be gone (abort after ${delayMs} ms)`);
  }
  t.is((await runCapture(comm, "echo still-here")).stdout, "still-here\n");
});

/**
 * A TCP relay between the communicator and sshd that can stop carrying bytes: a stand-in for a
 * server (or network) that goes silent, since a real sshd cannot be told to ignore a channel.
 */
async function startFreezableRelay(port: number): Promise<{ port: number; freeze(): void; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const pairs: Array<[net.Socket, net.Socket]> = [];
  const server = net.createServer((downstream) => {
    const upstream = net.connect(port, "127.0.0.1");
    sockets.add(downstream).add(upstream);
    downstream.pipe(upstream);
    upstream.pipe(downstream);
    downstream.on("error", () => upstream.destroy());
    upstream.on("error", () => downstream.destroy());
    pairs.push([downstream, upstream]);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze() {
      for (const [down, up] of pairs) {
        down.unpipe(up);
        up.unpipe(down);
        down.pause();
        up.pause();
      }
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test("a cancel rejects within its deadlines even when the server stops answering", async (t) => {
  t.timeout(CANCEL_WORST_CASE_MS + LOADED_MACHINE_SLACK_MS + 20_000);
  const relay = await startFreezableRelay(sshd.port);
  t.teardown(() => relay.close());
  const marker = uniqueSleep();
  // Frozen, the relay never delivers our signal: the remote sleep is ours to reap.
  t.teardown(() => reapRemote(marker));
  const comm = await SshCommunicator.connect(config({ port: relay.port }));
  t.teardown(() => comm.close());
  const ac = new AbortController();
  const running = comm.run({ command: `sh -c '${marker}; echo never' & wait` }, ac.signal);
  t.true(await waitUntil(() => remoteProcessAlive(marker), 5_000), "the remote sleep should have started");
  relay.freeze();
  const started = Date.now();
  ac.abort();
  const err = await t.throwsAsync(running);
  t.is(err?.name, "AbortError");
  const took = Date.now() - started;
  t.true(took >= CANCEL_WORST_CASE_MS - 1_000, `gave the server its chances first (${took} ms)`);
  t.true(took <= CANCEL_WORST_CASE_MS + LOADED_MACHINE_SLACK_MS, `rejected ${took} ms after the abort`);
});

test("a connection dropped mid-command rejects with DisconnectedError, and the next command reconnects", async (t) => {
  const comm = await SshCommunicator.connect(config());
  try {
    // Kill this session's sshd process: the TCP connection goes away while the command runs.
    const err = await t.throwsAsync(comm.run({ command: "echo before; kill -9 $PPID; sleep 5" }));
    t.true(err instanceof DisconnectedError, String(err));
    t.regex(err?.message ?? "", /disconnected while the command was running/);
    t.is((await runCapture(comm, "echo after-reconnect")).stdout, "after-reconnect\n");
  } finally {
    await comm.close();
  }
});

test("every temporary ed25519 key pair is one ssh2 can read back (its generator sometimes writes one it cannot)", (t) => {
  // ~0.4 % of ssh2's raw ed25519 keys fail to parse: 3,000 tries would meet about a dozen.
  for (let i = 0; i < 3000; i++) {
    const pair = generateTemporaryKeyPair("ed25519", 0, `kiln-test-${i}`);
    const parsed = ssh2.utils.parseKey(pair.privateKey);
    if (parsed instanceof Error) return t.fail(`key ${i}: ${parsed.message}`);
  }
  t.pass();
});
