/**
 * amazon-ebs end to end, Kiln vs packer 1.6.6, against the same moto_server (EC2 API on loopback)
 * with a loopback sshd playing the instance (ssh_host/ssh_port, password auth for both, so
 * neither creates a key pair), alternated in one run. Prints each run, the medians and the ratio
 * kiln/packer (goal: <= 1.0: Kiln's calls and waiters add no time Packer does not).
 *
 *   npm run build && node dist/bench/amazon/run.js [runs]     (root: the sshd fixture logs in a test user)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { motoServerMissing, startMotoServer } from "../../test/fixtures/moto-server.js";
import { startSshd } from "../../test/fixtures/sshd.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const runs = Number(process.argv[2] ?? "7");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const missing = motoServerMissing();
if (missing) {
  console.error(missing);
  process.exit(2);
}
const packer = spawnSync("packer", ["version"], { encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
if (packer.status !== 0) {
  console.error("packer is not installed (apt-get install -y packer): the baseline cannot be measured");
  process.exit(2);
}

const [moto, sshd] = await Promise.all([startMotoServer(), startSshd()]);
const cwd = mkdtempSync(join(tmpdir(), "kiln-bench-amazon-"));
try {
  const remote = await sshd.userDir();
  writeFileSync(join(cwd, "welcome.txt"), "welcome\n");
  let n = 0;
  const template = (): string => {
    const path = join(cwd, `template-${n}.json`);
    writeFileSync(path, JSON.stringify({
      builders: [{
        type: "amazon-ebs", access_key: "testing", secret_key: "testing", region: "us-east-1",
        custom_endpoint_ec2: moto.endpoint, skip_metadata_api_check: true,
        source_ami_filter: {
          filters: { "virtualization-type": "hvm", name: "ubuntu/images/*ubuntu-xenial-16.04-amd64-server-*", "root-device-type": "ebs" },
          owners: ["099720109477"], most_recent: true,
        },
        instance_type: "t2.micro", ami_name: `bench ${n++} {{timestamp}}`,
        tags: { App: "aTAG", Source: "{{ .SourceAMI }}" }, ami_users: ["123456789012"],
        ssh_host: sshd.host, ssh_port: sshd.port, ssh_username: sshd.user, ssh_password: sshd.password,
      }],
      provisioners: [
        { type: "file", source: join(cwd, "welcome.txt"), destination: `${remote}/` },
        { type: "shell", inline: [`cat ${remote}/welcome.txt`] },
      ],
    }));
    return path;
  };
  const env = { ...process.env, CHECKPOINT_DISABLE: "1", AWS_EC2_METADATA_DISABLED: "true" };
  const timeOnce = (cmd: string, args: string[]): number => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, [...args, template()], { cwd, env, encoding: "utf8", timeout: 300_000 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const out = r.stdout + r.stderr;
    if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}:\n${out}`);
    if (!/us-east-1: ami-[0-9a-f]+/.test(out) || !out.includes("welcome")) throw new Error(`${cmd}: no AMI or the provisioners did not run:\n${out}`);
    return ms;
  };
  const kilnArgs = [join(repo, "bin/kiln.js"), "build", "-color=false"];
  const packerArgs = ["build", "-color=false"];
  timeOnce(process.execPath, kilnArgs);
  timeOnce("packer", packerArgs);
  const kiln: number[] = [];
  const pk: number[] = [];
  for (let i = 0; i < runs; i++) {
    kiln.push(timeOnce(process.execPath, kilnArgs));
    pk.push(timeOnce("packer", packerArgs));
  }
  const mk = median(kiln);
  const mp = median(pk);
  console.log(`runs: ${runs} each, alternated, one moto_server (${packer.stdout.trim()})`);
  console.log(`kiln   build: median ${mk.toFixed(0)} ms  [${kiln.map((x) => x.toFixed(0)).join(" ")}]`);
  console.log(`packer build: median ${mp.toFixed(0)} ms  [${pk.map((x) => x.toFixed(0)).join(" ")}]`);
  console.log(`ratio kiln/packer: ${(mk / mp).toFixed(2)}x (goal <= 1.00x)`);
} finally {
  rmSync(cwd, { recursive: true, force: true });
  await Promise.all([moto.stop(), sshd.stop()]);
}
