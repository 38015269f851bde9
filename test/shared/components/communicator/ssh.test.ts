import test from "ava";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { ConfigReader } from "../../../../shared/components/config-reader.js";
import { needsTemporaryKeyPair, readCommunicatorConfig, type CommunicatorConfig } from "../../../../shared/components/communicator/ssh.js";
import { tempDir } from "../../../fixtures/temp-dir.js";

let dir: string;
test.before(async () => {
  dir = await tempDir("kiln-comm-schema-");
  await writeFile(path.join(dir, "id_test"), "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n");
  await writeFile(path.join(dir, "not_a_key"), "hello\n");
});
test.after.always(async () => {
  await rm(dir, { recursive: true, force: true });
});

function read(config: Record<string, unknown>, defaultType?: "ssh" | "docker"): { comm: CommunicatorConfig; problems: string[] } {
  const r = new ConfigReader({ type: "null", config }, { kind: "builder", interpolation: { userVariables: {}, enableEnv: false, initTime: new Date() } });
  const comm = readCommunicatorConfig(r, { cwd: dir, defaultType });
  return { comm, problems: r.problems.map((p) => p.message) };
}

test("defaults: ssh, port 22, 5m timeout, 10 handshake attempts, 5s keepalive, scp, rsa 4096 temporary key", (t) => {
  const { comm, problems } = read({ ssh_username: "u", ssh_host: "h" });
  t.deepEqual(problems, []);
  if (comm.type !== "ssh") return t.fail();
  t.like(comm.ssh, {
    host: "h",
    port: 22,
    username: "u",
    timeoutMs: 300_000,
    handshakeAttempts: 10,
    keepAliveIntervalMs: 5_000,
    fileTransferMethod: "scp",
    temporaryKeyPairType: "rsa",
    temporaryKeyPairBits: 4096,
    pty: false,
  });
  t.is(comm.pauseBeforeConnectingMs, 0);
  t.true(needsTemporaryKeyPair(comm.ssh));
});

test("values are read with Packer's weak typing and durations", (t) => {
  const { comm, problems } = read({
    ssh_username: "u",
    ssh_password: "p",
    ssh_port: "2222",
    ssh_timeout: "10m",
    ssh_handshake_attempts: 3,
    ssh_pty: "true",
    ssh_keep_alive_interval: "-1s",
    pause_before_connecting: "1m",
    ssh_private_key_file: "id_test",
    temporary_key_pair_type: "ed25519",
  });
  t.deepEqual(problems, []);
  if (comm.type !== "ssh") return t.fail();
  t.like(comm.ssh, { port: 2222, timeoutMs: 600_000, handshakeAttempts: 3, pty: true, keepAliveIntervalMs: -1000, password: "p" });
  t.is(comm.ssh.privateKeyFile, path.join(dir, "id_test"));
  t.is(comm.ssh.temporaryKeyPairType, "ed25519");
  t.is(comm.pauseBeforeConnectingMs, 60_000);
  t.false(needsTemporaryKeyPair(comm.ssh));
});

test("a missing ssh_username gets Packer's message", (t) => {
  t.deepEqual(read({}).problems, ['An ssh_username must be specified\n  Note: some builders used to default ssh_username to "root".']);
});

test("bad values get Packer's messages", (t) => {
  const { problems } = read({
    ssh_username: "u",
    ssh_private_key_file: "missing_key",
    ssh_file_transfer_method: "ftp",
    ssh_local_tunnels: ["nope"],
    ssh_bastion_host: "b",
    ssh_proxy_host: "p",
  });
  t.deepEqual(problems, [
    "ssh_private_key_file is invalid: stat missing_key: no such file or directory",
    // Packer lends the target's key to the bastion, so it is checked twice.
    "ssh_bastion_private_key_file is invalid: stat missing_key: no such file or directory",
    "ssh_file_transfer_method ('ftp') is invalid, valid methods: sftp, scp",
    "please specify either ssh_bastion_host or ssh_proxy_host, not both",
    "ssh_local_tunnels ('nope') is invalid: Unexpected tunnel format",
  ]);
  t.deepEqual(read({ ssh_username: "u", ssh_private_key_file: "not_a_key" }).problems, [
    `ssh_private_key_file is invalid: ${path.join(dir, "not_a_key")} does not contain a PEM or OpenSSH private key`,
  ]);
});

test("communicator none and docker need no ssh keys; an unknown type is refused", (t) => {
  t.deepEqual(read({ communicator: "none" }), { comm: { type: "none", pauseBeforeConnectingMs: 0 }, problems: [] });
  t.deepEqual(read({}, "docker").comm.type, "docker");
  t.deepEqual(read({ communicator: "telnet" }).problems, ["Communicator type telnet is invalid"]);
  t.deepEqual(read({ communicator: "winrm" }).problems, ["winrm_username must be specified."]);
});

test("every ssh_* key is known, so the reader reports no unknown keys", (t) => {
  const r = new ConfigReader(
    { type: "null", config: { communicator: "none", ssh_username: "u", ssh_bastion_host: "b", ssh_ciphers: ["aes128-ctr"], winrm_use_ssl: true } },
    { kind: "builder", interpolation: { userVariables: {}, enableEnv: false, initTime: new Date() } },
  );
  readCommunicatorConfig(r, { cwd: dir });
  t.notThrows(() => r.finish());
});
