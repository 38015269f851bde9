/**
 * The ansible provisioner, Kiln vs packer 1.6.6: one null-builder template whose play has 20
 * tasks, run against a real sshd on loopback (the tests' fixture), in both connection modes —
 * through each tool's SSH adapter (proxy, the default) and straight to sshd (use_proxy false,
 * password through sshpass) — alternated in one run so both see the same machine noise. The
 * template carries Packer 1.6.6's workarounds for OpenSSH 9 (ssh-rsa, use_sftp) and an explicit
 * `user`, so the same file runs on both. Prints each run, medians and the ratio kiln/packer per
 * mode (goal in proxy mode: <= 1.0).
 *
 *   npm run build && node dist/bench/ansible/run.js [runs]
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startSshd } from "../../test/fixtures/sshd.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const runs = Number(process.argv[2] ?? "5");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

for (const program of ["packer", "ansible-playbook", "sshpass"]) {
  if (spawnSync("sh", ["-c", `command -v ${program}`]).status !== 0) {
    console.error(`${program} is not installed (apt-get install -y packer ansible sshpass): the comparison cannot run`);
    process.exit(2);
  }
}

const sshd = await startSshd();
const cwd = mkdtempSync(join(tmpdir(), "kiln-bench-ansible-"));
try {
  const remote = await sshd.userDir();
  const tasks = Array.from({ length: 20 }, (_, i) => [
    `    - name: task ${i + 1}`,
    "      ansible.builtin.copy:",
    `        dest: "${remote}/file-${i + 1}.txt"`,
    `        content: "{{ packer_build_name }} ${i + 1}\\n"`,
  ].join("\n"));
  writeFileSync(join(cwd, "site.yml"), `- hosts: all\n  gather_facts: false\n  tasks:\n${tasks.join("\n")}\n`);
  const template = (useProxy: boolean): string => {
    const file = join(cwd, `template-${useProxy ? "proxy" : "direct"}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        // Direct mode logs in with a key: packer 1.6.6 writes an empty key file for a password
        // communicator and ansible then fails with "Load key: error in libcrypto" (measured here).
        builders: [{ type: "null", name: "bench", ssh_host: sshd.host, ssh_port: sshd.port, ssh_username: sshd.user, ...(useProxy ? { ssh_password: sshd.password } : { ssh_private_key_file: sshd.privateKeyPath }) }],
        provisioners: [{
          type: "ansible", playbook_file: join(cwd, "site.yml"), user: sshd.user, use_proxy: useProxy, use_sftp: true,
          ansible_env_vars: ["ANSIBLE_SSH_ARGS=-o HostKeyAlgorithms=+ssh-rsa -o PubkeyAcceptedKeyTypes=+ssh-rsa", "ANSIBLE_NOCOLOR=1"],
        }],
      }),
    );
    return file;
  };
  // Asynchronous on purpose: the sshd fixture's log is read by this process, and a spawnSync
  // here would stop reading it, sshd would block on its log and the build would stall.
  const timeOnce = async (tool: "kiln" | "packer", file: string): Promise<number> => {
    const [cmd, args] = tool === "kiln" ? [process.execPath, [join(repo, "bin/kiln.js"), "build", "-color=false", file]] : ["packer", ["build", "-color=false", file]];
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args as string[], { cwd, env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const killer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    const status = await new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    clearTimeout(killer);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (status !== 0 || !/ok=20\s+changed=\d+/.test(out)) throw new Error(`${tool} failed (exit ${status}):\n${out}`);
    return ms;
  };
  const packerVersion = spawnSync("packer", ["version"], { encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } }).stdout.trim();
  console.log(`runs: ${runs} each per mode, alternated (${packerVersion}; one play of 20 copy tasks)`);
  for (const useProxy of [true, false]) {
    const file = template(useProxy);
    await timeOnce("kiln", file);
    await timeOnce("packer", file);
    const kiln: number[] = [];
    const pk: number[] = [];
    for (let i = 0; i < runs; i++) {
      kiln.push(await timeOnce("kiln", file));
      pk.push(await timeOnce("packer", file));
    }
    const mode = useProxy ? "proxy " : "direct";
    console.log(`${mode} kiln:   median ${(median(kiln) / 1000).toFixed(2)} s  [${kiln.map((x) => (x / 1000).toFixed(2)).join(" ")}]`);
    console.log(`${mode} packer: median ${(median(pk) / 1000).toFixed(2)} s  [${pk.map((x) => (x / 1000).toFixed(2)).join(" ")}]`);
    console.log(`${mode} ratio kiln/packer: ${(median(kiln) / median(pk)).toFixed(2)}x${useProxy ? " (goal <= 1.00x)" : ""}`);
  }
} finally {
  rmSync(cwd, { recursive: true, force: true });
  await sshd.stop();
}
