/**
 * What the amazon builders' tests share: a real moto_server and a loopback sshd playing the
 * instance, `kiln build` run as a user runs it (with a dial recorder preloaded, and the test
 * playing cloud-init by authorizing each temporary key pair on the sshd), and the leftover checks.
 */
import type { ExecutionContext } from "ava";
import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DescribeInstancesCommand, DescribeKeyPairsCommand, DescribeLaunchTemplatesCommand, DescribeSecurityGroupsCommand, EC2Client,
} from "@aws-sdk/client-ec2";
import { IAMClient, ListInstanceProfilesCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import { authorizeKeyPairsUntil, startMotoServer, type MotoServer } from "../../fixtures/moto-server.js";
import { startSshd, type SshdFixture } from "../../fixtures/sshd.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const kiln = join(repo, "bin/kiln.js");
const recordDials = join(repo, "test/fixtures/record-dials.mjs");
// Moto accepts any secret; this one is distinctive so a test can look for it in the output.
export const SECRET_KEY = "kiln-Secret-4f1d9a";
export const MOTO_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

// The builds under test must silence the SDK's Node version warning themselves: they get the
// environment as it was before this process turned the warning off for its own clients.
const testEnv = { ...process.env };
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

export interface AmazonLab {
  moto: MotoServer;
  sshd: SshdFixture;
  ec2: EC2Client;
  iam: IAMClient;
  stop(): Promise<void>;
}

export async function startAmazonLab(): Promise<AmazonLab> {
  const [moto, sshd] = await Promise.all([startMotoServer(), startSshd()]);
  const ec2 = new EC2Client({ region: "us-east-1", endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS });
  const iam = new IAMClient({ region: "us-east-1", endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS });
  return {
    moto, sshd, ec2, iam,
    async stop() {
      ec2.destroy();
      iam.destroy();
      await Promise.all([moto.stop(), sshd.stop()]);
    },
  };
}

export interface BuildResult { status: number | null; out: string; dials: string[]; dir: string }

export interface BuildOptions {
  interruptWhen?: RegExp;
  signal?: NodeJS.Signals;
  onSpawn?: (pid: number) => void;
  env?: NodeJS.ProcessEnv;
  keyPairsFrom?: EC2Client;
}

/**
 * Runs `kiln build` on `template` in a fresh folder (removed at teardown) while authorizing, like
 * cloud-init, each temporary key pair moto holds. EC2 is reached by custom_endpoint_ec2 in the
 * template; IAM, as for any AWS tool, by AWS_ENDPOINT_URL_IAM.
 */
export async function kilnBuild(t: ExecutionContext, lab: AmazonLab, template: Record<string, unknown>, files: Record<string, string> = {}, options: BuildOptions = {}): Promise<BuildResult> {
  const dir = tempDirSync("kiln-amazon-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "template.json"), JSON.stringify(template, null, 2));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const dialLog = join(dir, "dials.log");
  // The build's scratch files go under the test's folder: a build killed with -9 cannot remove them.
  const scratch = join(dir, "tmp");
  mkdirSync(scratch);
  const child = spawn(process.execPath, ["--import", recordDials, kiln, "build", "-color=false", "-var", `aws_secret_key=${SECRET_KEY}`, "template.json"], {
    cwd: dir,
    env: {
      ...testEnv, AWS_ACCESS_KEY_ID: "testing", AWS_EC2_METADATA_DISABLED: "true", KILN_TEST_DIAL_LOG: dialLog, AWS_POLL_DELAY_SECONDS: "", TMPDIR: scratch,
      AWS_ENDPOINT_URL_IAM: lab.moto.endpoint, ...options.env,
    },
  });
  t.teardown(() => void child.kill("SIGKILL"));
  options.onSpawn?.(child.pid!);
  let out = "";
  let interrupted = false;
  child.stdout.setEncoding("utf8").on("data", (s: string) => {
    out += s;
    // Ctrl-C, as a user at a terminal would press it.
    if (options.interruptWhen && !interrupted && options.interruptWhen.test(out)) {
      interrupted = true;
      child.kill(options.signal ?? "SIGINT");
    }
  });
  child.stderr.setEncoding("utf8").on("data", (s: string) => (out += s));
  const done = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  await authorizeKeyPairsUntil(options.keyPairsFrom ?? lab.ec2, lab.sshd, done);
  const status = await done;
  return { status, out, dir, dials: existsSync(dialLog) ? readFileSync(dialLog, "utf8").split("\n").filter(Boolean) : [] };
}

/** Addresses a build dialled outside 127.0.0.0/8 (unix sockets are local too). */
export function dialsOutsideLoopback(dials: readonly string[]): string[] {
  return dials.filter((d) => !/^127\.\d+\.\d+\.\d+:\d+$/.test(d) && !d.startsWith("unix:"));
}

export interface Leftovers { keyPairs: string[]; groups: string[]; liveInstances: string[]; launchTemplates: string[]; instanceProfiles: string[]; roles: string[] }

/** What Kiln's builds create and must remove: temporary key pairs, groups, launch templates, IAM profiles and roles, instances. */
export async function amazonLeftovers(lab: AmazonLab): Promise<Leftovers> {
  const keys = await lab.ec2.send(new DescribeKeyPairsCommand({}));
  const groups = await lab.ec2.send(new DescribeSecurityGroupsCommand({}));
  const instances = await lab.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "tag-key", Values: ["kiln:build"] }] }));
  const templates = await lab.ec2.send(new DescribeLaunchTemplatesCommand({}));
  const profiles = await lab.iam.send(new ListInstanceProfilesCommand({}));
  const roles = await lab.iam.send(new ListRolesCommand({}));
  return {
    keyPairs: (keys.KeyPairs ?? []).map((k) => k.KeyName ?? "").filter((n) => n.startsWith("packer_")),
    groups: (groups.SecurityGroups ?? []).map((g) => g.GroupName ?? "").filter((n) => n.startsWith("packer_")),
    liveInstances: (instances.Reservations ?? []).flatMap((r) => r.Instances ?? []).filter((i) => i.State?.Name !== "terminated").map((i) => i.InstanceId ?? ""),
    launchTemplates: (templates.LaunchTemplates ?? []).map((l) => l.LaunchTemplateName ?? "").filter((n) => n.startsWith("packer-")),
    instanceProfiles: (profiles.InstanceProfiles ?? []).map((p) => p.InstanceProfileName ?? "").filter((n) => n.startsWith("packer-")),
    roles: (roles.Roles ?? []).map((r) => r.RoleName ?? "").filter((n) => n.startsWith("packer-")),
  };
}

export function assertNoLeftovers(t: ExecutionContext, l: Leftovers): void {
  t.deepEqual(l.keyPairs, [], "temporary key pairs left behind");
  t.deepEqual(l.groups, [], "temporary security groups left behind");
  t.deepEqual(l.liveInstances, [], "instances left running");
  t.deepEqual(l.launchTemplates, [], "spot launch templates left behind");
  t.deepEqual(l.instanceProfiles, [], "temporary instance profiles left behind");
  t.deepEqual(l.roles, [], "temporary roles left behind");
}

export interface RecordedCall { action: string; params: URLSearchParams }

export interface Ec2Proxy {
  endpoint: string;
  /** The calls of one Query API action, in order (throttled ones included). */
  calls(action: string): URLSearchParams[];
  /** How many calls were refused with RequestLimitExceeded. */
  throttled(): number;
  stop(): Promise<void>;
}

/**
 * A loopback pass-through in front of moto that keeps each Query API call (EC2, IAM: `Action=…`
 * form bodies), so a test can check what the builder asked for where moto ignores a parameter.
 * With `throttle`, the nth call (from 1) it picks is refused as AWS refuses it when throttling
 * (moto never throttles).
 */
export async function startRecordingProxy(target: string, throttle: (n: number) => boolean = () => false): Promise<Ec2Proxy> {
  const recorded: RecordedCall[] = [];
  let refused = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const params = new URLSearchParams(body.toString("utf8"));
      recorded.push({ action: params.get("Action") ?? "", params });
      if (throttle(recorded.length)) {
        refused++;
        res.writeHead(503, { "content-type": "text/xml" });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>throttle-${recorded.length}</RequestID></Response>`);
        return;
      }
      const headers = { ...req.headers };
      delete headers["content-length"];
      fetch(target + (req.url ?? "/"), { method: req.method, headers: headers as Record<string, string>, body: req.method === "GET" ? undefined : body })
        .then(async (up) => {
          res.writeHead(up.status, { "content-type": up.headers.get("content-type") ?? "text/xml" });
          res.end(Buffer.from(await up.arrayBuffer()));
        })
        .catch((e: unknown) => {
          res.writeHead(502);
          res.end(String(e));
        });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls: (action) => recorded.filter((c) => c.action === action).map((c) => c.params),
    throttled: () => refused,
    stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
