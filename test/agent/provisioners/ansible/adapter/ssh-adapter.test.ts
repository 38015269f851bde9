/**
 * The ansible provisioner's SSH adapter on its own, between OpenSSH's `ssh` (as ansible-playbook
 * runs it: a new connection per command when ControlPersist is off) and the tests' real sshd
 * through the SSH communicator: every command rides the communicator's one connection, and a
 * new connection to the adapter is not held up by Nagle's algorithm (which added delayed ACKs,
 * 40 ms each, to every key exchange: ~90 ms per ansible command).
 */
import test from "ava";
import { execFile } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import ssh2 from "ssh2";
import { SshCommunicator, generateTemporaryKeyPair } from "../../../../../agent/communicators/ssh/index.js";
import { startSshAdapter, type RunningAdapter } from "../../../../../agent/provisioners/ansible/adapter/ssh-adapter.js";
import { startSshd, type SshdFixture } from "../../../../fixtures/sshd.js";
import { tempDir } from "../../../../fixtures/temp-dir.js";

const run = promisify(execFile);

let sshd: SshdFixture;
test.before(async () => {
  sshd = await startSshd();
});
test.after.always(async () => {
  await sshd?.stop();
});

interface AdapterRig {
  adapter: RunningAdapter;
  /** ssh's options for a login with the rig's key, host key unchecked. */
  sshArgs: string[];
  /** Runs `command` through the adapter with OpenSSH's ssh, a new connection each time. */
  ssh(command: string): Promise<string>;
}

/** Communicator + adapter + a key ssh logs in with; all of it closed and removed by t.teardown. */
async function adapterRig(t: { teardown(fn: () => Promise<void>): void }): Promise<AdapterRig> {
  const dir = await tempDir("kiln-adapter-test-");
  const comm = await SshCommunicator.connect(sshd.communicatorConfig());
  const abort = new AbortController();
  const client = generateTemporaryKeyPair("ed25519", 0, "kiln-adapter-test");
  const keyFile = path.join(dir, "id");
  await writeFile(keyFile, client.privateKey, { mode: 0o600 });
  const adapter = await startSshAdapter({
    comm, user: sshd.user, port: 0, signal: abort.signal, log: () => {},
    hostKey: generateTemporaryKeyPair("ed25519", 0, "kiln-adapter-test-host").privateKey,
    authorizedKey: client.publicKey,
  });
  t.teardown(async () => {
    abort.abort();
    await adapter.close();
    await comm.close();
    await rm(dir, { recursive: true, force: true });
  });
  const sshArgs = ["-i", keyFile, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"];
  return {
    adapter,
    sshArgs,
    ssh: async (command) => (await run("ssh", [...sshArgs, "-p", String(adapter.port), `${sshd.user}@127.0.0.1`, command], { timeout: 30_000 })).stdout,
  };
}

const accepted = (log: string): number => log.split("\n").filter((l) => /Accepted \w+ for /.test(l)).length;

test.serial("commands from many ssh connections to the adapter all run over the communicator's one connection", async (t) => {
  t.timeout(120_000);
  const before = accepted(sshd.log());
  const rig = await adapterRig(t);
  for (let i = 0; i < 8; i++) t.is(await rig.ssh(`echo run ${i}; id -un`), `run ${i}\n${sshd.user}\n`);
  t.is(accepted(sshd.log()) - before, 1, "sshd logged in one connection (the communicator's), not one per command");
});

test.serial("a new ssh connection through the adapter is not held up by Nagle's algorithm", async (t) => {
  t.timeout(180_000);
  const rig = await adapterRig(t);
  // The yardstick: an ssh2 server listening as ssh2 does by default (Nagle on) that answers every
  // command at once. Its connections wait for the client's delayed ACKs (40 ms each on Linux) in
  // key exchange; a connection through the adapter, which also runs the command on sshd, must be
  // clearly faster. Fastest of many, alternated: a timer-bound stall does not shrink with luck,
  // machine load slows both.
  const nagle = new ssh2.Server({ hostKeys: [generateTemporaryKeyPair("ed25519", 0, "kiln-nagle-host").privateKey] }, (client) => {
    client.on("authentication", (ctx) => ctx.accept());
    client.on("ready", () =>
      client.on("session", (accept) =>
        accept().on("exec", (acceptExec) => {
          const channel = acceptExec();
          channel.exit(0);
          channel.end();
        }),
      ),
    );
  });
  await new Promise<void>((resolve) => nagle.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => nagle.close(() => resolve())));
  const nagleSsh = (): Promise<unknown> => run("ssh", [...rig.sshArgs, "-p", String((nagle.address() as AddressInfo).port), "x@127.0.0.1", "true"], { timeout: 30_000 });
  const timed = async (fn: () => Promise<unknown>): Promise<number> => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  await rig.ssh("true");
  await nagleSsh();
  const viaAdapter: number[] = [];
  const withNagle: number[] = [];
  for (let i = 0; i < 15; i++) {
    viaAdapter.push(await timed(() => rig.ssh("true")));
    withNagle.push(await timed(nagleSsh));
  }
  const a = Math.min(...viaAdapter);
  const n = Math.min(...withNagle);
  t.log(`fastest of 15, ms: through the adapter ${a.toFixed(1)}, Nagle-on ssh2 server ${n.toFixed(1)}`);
  t.true(a + 20 < n, `through the adapter ${a.toFixed(1)} ms, Nagle-on yardstick ${n.toFixed(1)} ms (fastest of 15)`);
});
