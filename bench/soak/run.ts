/**
 * Soak run of the farm on a 3-node JetStream cluster (R3), bounded: `node dist/bench/soak/run.js
 * [--minutes N]` (default 20) submits a steady mix of null, file and docker builds (docker only if
 * /run/kiln-docker/env exists) at --rate builds/s (default 10) over --agents agents (default 10)
 * while a chaos loop kills (-9) and restarts, every --chaos-every seconds (default 60), a random
 * agent, the controller and one NATS node. Then it drains, stops everything and prints: builds
 * submitted/succeeded/failed/lost, jobs run more than once, leaked containers/processes/temp
 * files, and the RSS of controller, agents and NATS at the start and at the end.
 *
 * --retention-minutes N runs the controller with `--retention Nm`: finished builds then expire
 * during the run (records, output, artifacts, and their purge markers five minutes later), which is
 * what shows whether NATS's memory stays flat. Outcomes are recorded as builds finish (the list is
 * read every 15 s), so an expired build still counts; one that finished and expired between two
 * reads is counted from the logs (`outcomeFromLogs`: the controller logged its expiry, its agent
 * the outcome). Every process's log is kept while the run lasts; a failed or lost build's lines
 * are quoted in the report and the logs kept.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { credentials } from "@grpc/grpc-js";
import { FarmClient, State, type Build } from "../../proto/gen/kiln/v1/farm.js";
import { startNatsCluster } from "../../test/fixtures/nats-cluster.js";
import { freePort } from "../../test/fixtures/nats-server.js";
import { packTemplate, rpc, submitRequest } from "../../test/controller/farm-harness.js";
import { errorMessage } from "../../shared/error-message.js";
import { buildKey, connectBus, jobKey, type Bus } from "../../shared/bus/index.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const kiln = join(repo, "bin/kiln.js");
const DOCKER_ENV = "/run/kiln-docker/env";

const USAGE = `usage: node dist/bench/soak/run.js [options]

  --minutes N             how long builds are submitted (default 20)
  --rate N                builds submitted per second (default 10)
  --agents N              agents started (default 10)
  --chaos-every N         seconds between kills of an agent, the controller and a NATS node (default 60)
  --drain N               seconds the last builds get to finish after the submissions stop (default 180)
  --retention-minutes N   finished builds expire after N minutes (default: kept for the whole run)
  -h, --help              this text`;
const OPTIONS = ["minutes", "rate", "agents", "chaos-every", "drain", "retention-minutes"];
const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
// A mistyped option would otherwise start a 20-minute run with the default.
for (let i = 0; i < args.length; i += 2) {
  if (!OPTIONS.includes(args[i].replace(/^--/, "")) || !args[i].startsWith("--") || args[i + 1] === undefined) {
    console.error(`unknown or incomplete option: ${args[i]}\n\n${USAGE}`);
    process.exit(2);
  }
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name}: expected a positive number, got ${process.argv[i + 1]}`);
  return v;
}

const minutes = arg("minutes", 20);
const rate = arg("rate", 10);
const agentCount = arg("agents", 10);
const chaosEverySec = arg("chaos-every", 60);
const drainSec = arg("drain", 180);
const retentionMinutes = process.argv.includes("--retention-minutes") ? arg("retention-minutes", 0) : 0;

const dockerEnv: Record<string, string> = existsSync(DOCKER_ENV)
  ? Object.fromEntries(
      readFileSync(DOCKER_ENV, "utf8")
        .split("\n")
        .filter((l) => l.includes("="))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    )
  : {};
/** The env file outlives its daemon (CI stops dockerd at the end): docker builds only if it answers. */
const withDocker = Object.keys(dockerEnv).length > 0 && dockerAnswers();

function dockerAnswers(): boolean {
  try {
    execFileSync("docker", ["info", "--format", "{{.ServerVersion}}"], { env: { ...process.env, ...dockerEnv }, stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** "controller 120 MB, agents 1200 MB, nats 85 MB". */
function rssLine(r: Record<string, number>): string {
  return `controller ${Math.round(r.controllerKb / 1024)} MB, agents ${Math.round(r.agentsKb / 1024)} MB, nats ${Math.round(r.natsKb / 1024)} MB`;
}

/**
 * What JetStream holds, as the first node that answers its /jsz says: streams, consumers,
 * messages and bytes (a consumer count that only grows is a leak; messages grow with the builds
 * kept until --retention).
 */
async function jetStreamLine(monitorPorts: number[]): Promise<string> {
  for (const port of monitorPorts) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/jsz?accounts=true&streams=true&consumers=true`, { signal: AbortSignal.timeout(5000) });
      const jsz = (await res.json()) as JszAnswer;
      // Which streams the consumers read, and whether they are durable: a leak shows by name.
      const byStream = new Map<string, number>();
      // And where the messages are: a store that keeps growing shows by name.
      const messages: string[] = [];
      for (const account of jsz.account_details ?? []) {
        for (const stream of account.stream_detail ?? []) {
          messages.push(`${stream.name} ${stream.state?.messages ?? "?"}`);
          for (const c of stream.consumer_detail ?? []) {
            const key = `${stream.name}${c.config?.durable_name ? "" : " (ephemeral)"}`;
            byStream.set(key, (byStream.get(key) ?? 0) + 1);
          }
        }
      }
      const consumers = [...byStream].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${v} ${k}`).join(", ");
      return `JetStream ${jsz.streams} streams, ${jsz.consumers} consumers (this node: ${consumers || "none"}), ${jsz.messages} messages (${messages.join(", ")}), ${Math.round(jsz.bytes / 1048576)} MB stored`;
    } catch {
      // next node
    }
  }
  return "JetStream: no node answered /jsz";
}

/** The parts of nats-server's /jsz?accounts=true&streams=true&consumers=true this reads. */
interface JszAnswer {
  streams: number;
  consumers: number;
  messages: number;
  bytes: number;
  account_details?: { stream_detail?: { name: string; state?: { messages: number }; consumer_detail?: { config?: { durable_name?: string } }[] }[] }[];
}

function rssKb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** What Kiln and Packer's provisioners put in the temp folder (packer-shell scripts, a controller's folder, …). */
function kilnTemps(): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith("packer-") || n.startsWith("kiln-"));
}

function containers(): string[] {
  if (!withDocker) return [];
  try {
    return execFileSync("docker", ["ps", "-aq"], { env: { ...process.env, ...dockerEnv }, encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/** Processes whose parent chain is gone (reparented) and that come from a job: shell-local scripts, packer, docker run. */
function strayJobProcesses(workRoot: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, "utf8");
      if (cmd.includes(workRoot) || cmd.includes("packer-shell")) out.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

interface Proc {
  name: string;
  child: ChildProcess;
  /** Starts it (again). */
  start(): void;
  /** Unplanned exits (restarted after 1 s, as systemd's Restart=always would). */
  crashes: string[];
  supervised: boolean;
}

process.setMaxListeners(100);

/**
 * Every process's output, kept whole in LOG_DIR/NAME.log (a restarted process appends): a build
 * that failed or never finished is looked up there (the report quotes its lines). The folder is
 * removed when nothing went wrong.
 */
const logDir = join(tmpdir(), `kiln-soak-logs-${new Date().toISOString().replace(/[:.]/g, "-")}`);
mkdirSync(logDir, { recursive: true });

/** Starts `kiln ARGS` and keeps it running like systemd's Restart=always, until `supervised` is cleared. */
function launch(name: string, args: string[], env: Record<string, string> = {}): Proc {
  const p = { name, crashes: [], supervised: true } as unknown as Proc;
  const log = createWriteStream(join(logDir, `${name}.log`), { flags: "a" });
  p.start = (): void => {
    const child = spawn(process.execPath, [kiln, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-2000)));
    const killOnExit = (): void => void child.kill("SIGKILL");
    process.once("exit", killOnExit);
    child.once("exit", (code, signal) => {
      process.removeListener("exit", killOnExit);
      // SIGKILL is the chaos loop's (it restarts the process itself).
      if (!p.supervised || signal === "SIGKILL") return;
      p.crashes.push(`${name} exited ${code ?? signal}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`);
      setTimeout(() => p.supervised && p.start(), 1000);
    });
    p.child = child;
  };
  p.start();
  return p;
}

/** kill -9, then started again at once. */
async function crashAndRestart(p: Proc): Promise<void> {
  await killHard(p);
  p.start();
}

async function killHard(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once("exit", r));
  p.child.kill("SIGKILL");
  await exited;
}

async function stopGently(p: Proc, ms = 30_000): Promise<boolean> {
  p.supervised = false;
  if (p.child.exitCode !== null || p.child.signalCode !== null) return true;
  const exited = new Promise<boolean>((r) => p.child.once("exit", () => r(true)));
  p.child.kill("SIGTERM");
  const timer = setTimeout(() => p.child.kill("SIGKILL"), ms);
  const ok = await exited;
  clearTimeout(timer);
  return ok;
}

const TEMPLATES = {
  null: (i: number) =>
    JSON.stringify({ builders: [{ type: "null", name: `n${i}`, communicator: "none" }], provisioners: [{ type: "shell-local", inline: [`echo soak-${i}; sleep 1`] }] }),
  file: (i: number) => JSON.stringify({ builders: [{ type: "file", name: `f${i}`, target: "out.txt", content: `soak ${i}\n` }] }),
  docker: (i: number) => JSON.stringify({ builders: [{ type: "docker", name: `d${i}`, image: "kiln-test/busybox:latest", discard: true, pull: false }] }),
};

async function main(): Promise<void> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), "kiln-soak-"));
  const tempsBefore = new Set(kilnTemps());
  const containersBefore = new Set(containers());
  const cluster = await startNatsCluster();
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const controllerArgs = ["controller", "--listen", address, "--nats", cluster.url, "--nats-replicas", "3", ...(retentionMinutes > 0 ? ["--retention", `${retentionMinutes}m`] : [])];
  const controller = launch("controller", controllerArgs);
  const client = new FarmClient(address, credentials.createInsecure());
  const builders = withDocker ? "null,file,docker" : "null,file";
  const agents: Proc[] = [];
  // Wait for the controller (it creates the resources) before agents start.
  for (let until = Date.now() + 60_000; ; ) {
    try {
      await rpc.listBuilds(client);
      break;
    } catch {
      if (Date.now() > until) throw new Error("the controller did not come up in 60 s");
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  for (let i = 0; i < agentCount; i++) {
    agents.push(launch(`soak-${i}`, ["agent", "--nats", cluster.url, "--name", `soak-${i}`, "--builders", builders, "--work-dir", join(dir, `agent-${i}`), "--slots", "2"], dockerEnv));
  }

  const bundles = {
    null: (i: number) => packTemplate(dir, { "template.json": TEMPLATES.null(i) }),
    file: (i: number) => packTemplate(dir, { "template.json": TEMPLATES.file(i) }),
    docker: (i: number) => packTemplate(dir, { "template.json": TEMPLATES.docker(i) }),
  };
  const submitted = new Map<string, string>(); // build id -> kind
  let submitErrors = 0;
  const endAt = started + minutes * 60_000;
  const rss = (): Record<string, number> => ({
    controllerKb: rssKb(controller.child.pid),
    agentsKb: agents.reduce((s, a) => s + rssKb(a.child.pid), 0),
    natsKb: cluster.nodes.reduce((s, n) => s + rssKb(n.pid()), 0),
  });
  // "Start" is taken 30 s into the load, when every process has warmed up (agents load plugins lazily).
  let rssStart: Record<string, number> | undefined;
  const rssTimeline: string[] = [];
  const loadStarted = Date.now();
  const chaosLog: string[] = [];

  // Chaos: every chaosEverySec, kill -9 and restart one agent, the controller and one NATS node.
  let chaosStop = false;
  const chaos = (async () => {
    while (!chaosStop) {
      // Until the next round, or the end of the load (a long --chaos-every must not hold up the drain).
      await new Promise((r) => setTimeout(r, Math.min(chaosEverySec * 1000, Math.max(0, endAt - Date.now()))));
      if (chaosStop || Date.now() > endAt) break;
      const ai = Math.floor(Math.random() * agents.length);
      await crashAndRestart(agents[ai]!);
      await crashAndRestart(controller);
      const node = cluster.nodes[Math.floor(Math.random() * cluster.nodes.length)]!;
      await node.kill();
      const t0 = Date.now();
      // Under steady load a restarted node serves clients at once but may take longer than the
      // fixture's 30 s to call every replica "current" (/healthz): that is said, not fatal.
      const back = await node.start().then(
        () => `back in ${Date.now() - t0} ms`,
        (e: unknown) => `running, not yet healthy after ${Date.now() - t0} ms: ${lastHealthcheck(node.log()) ?? errorMessage(e)}`,
      );
      await cluster.waitForMetaLeader(60_000).catch(() => undefined);
      chaosLog.push(`${new Date().toISOString()} killed soak-${ai}, the controller, ${node.name} (${back})`);
    }
  })();

  // Outcomes as builds finish: with a short --retention-minutes they are gone by the end.
  const finalState = new Map<string, Build>();
  const isFinished = (b: Build | undefined): boolean => b?.state === State.STATE_SUCCEEDED || b?.state === State.STATE_FAILED || b?.state === State.STATE_CANCELLED;
  const recordOutcomes = async (): Promise<void> => {
    try {
      // In pages: a 20-minute soak makes some 12,000 builds, far more than one 4 MB answer holds.
      for (let before = ""; ; ) {
        const page = await rpc.listBuildsPage(client, 500, before);
        for (const b of page.builds) if (submitted.has(b.id) && !isFinished(finalState.get(b.id))) finalState.set(b.id, b);
        if (!page.nextBefore) break;
        before = page.nextBefore;
      }
    } catch {
      // controller restarting
    }
  };
  let recorderStop = false;
  const recorder = (async () => {
    while (!recorderStop) {
      await new Promise((r) => setTimeout(r, 15_000));
      if (!recorderStop) await recordOutcomes();
    }
  })();

  // Load: rate builds/s, 45% null, 45% file, 10% docker (or half/half).
  let n = 0;
  const inFlight = new Set<Promise<void>>();
  while (Date.now() < endAt) {
    const tickStart = Date.now();
    if (rssStart === undefined && tickStart - loadStarted >= 30_000) rssStart = rss();
    // A sample a minute: flat, or growing, shows between start and end.
    if (tickStart - loadStarted >= (rssTimeline.length + 1) * 60_000) {
      const minute = rssTimeline.length + 1;
      rssTimeline.push(`${minute} min: ${rssLine(rss())}`);
      void jetStreamLine(cluster.nodes.filter((nd) => nd.running()).map((nd) => nd.monitorPort)).then((js) => (rssTimeline[minute - 1] += `; ${js}`));
    }
    for (let k = 0; k < rate; k++) {
      const i = n++;
      const r = i % 20;
      const kind = withDocker && r >= 18 ? "docker" : r % 2 === 0 ? "null" : "file";
      const p = (async () => {
        const bundle = await bundles[kind](i);
        // A submit during a controller restart is retried by the client, as `kiln submit` would be.
        for (let attempt = 0; attempt < 60; attempt++) {
          try {
            const res = await rpc.submitBuild(client, submitRequest(bundle));
            submitted.set(res.build!.id, kind);
            return;
          } catch {
            await new Promise((res) => setTimeout(res, 500));
          }
        }
        submitErrors++;
      })();
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    const spent = Date.now() - tickStart;
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 - spent)));
  }
  chaosStop = true;
  await Promise.all(inFlight);
  await chaos;

  // Drain: every build finished, or the drain deadline.
  recorderStop = true;
  await recorder;
  const drainUntil = Date.now() + drainSec * 1000;
  while (Date.now() < drainUntil) {
    await recordOutcomes();
    if ([...submitted.keys()].every((id) => isFinished(finalState.get(id)))) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  const rssEnd = rss();
  const jetStreamEnd = await jetStreamLine(cluster.nodes.filter((nd) => nd.running()).map((nd) => nd.monitorPort));
  rssStart ??= rssEnd;

  let succeeded = 0;
  let failed = 0;
  let lost = 0;
  const lostBuilds: Array<{ id: string; kind: string | undefined; lastSeen: string; inBucket: string; logLines: string[] }> = [];
  const describe = (b: Build): string =>
    `${State[b.state]}; jobs: ${b.jobs.map((j) => `${j.name} ${State[j.state]} on ${j.agent || "no agent"}, attempt ${j.attempts}${j.error ? `: ${j.error}` : ""}`).join("; ")}`;
  let ranTwice = 0;
  const failures = new Map<string, number>();
  // A build can finish and expire between two reads of the list (its index watch lagging behind
  // the retention): the controller's log says it expired, so it finished, and its agent's log how.
  const fromLogs = outcomesInLogs();
  let outcomeFromLogs = 0;
  for (const id of submitted.keys()) {
    let b = finalState.get(id);
    if (!isFinished(b) && fromLogs.expired.has(id) && fromLogs.agentSaid.has(id)) {
      outcomeFromLogs++;
      const state = fromLogs.agentSaid.get(id) === "succeeded" ? State.STATE_SUCCEEDED : State.STATE_FAILED;
      b = { ...(b ?? ({ id, jobs: [] } as unknown as Build)), state };
    }
    if (b?.state === State.STATE_SUCCEEDED) succeeded++;
    else if (b?.state === State.STATE_FAILED) {
      failed++;
      // Grouped by reason: names and hashes that differ per build are masked, the reason kept whole.
      for (const j of b.jobs) {
        if (!j.error) continue;
        const reason = j.error.replace(/[0-9a-f]{64}/g, "<sha256>").replace(/\b[nfd]\d+\b/g, "<name>").slice(0, 400);
        failures.set(reason, (failures.get(reason) ?? 0) + 1);
      }
    } else {
      lost++;
      if (lostBuilds.length < 10) lostBuilds.push({ id, kind: submitted.get(id), lastSeen: b ? describe(b) : "never listed", inBucket: "", logLines: linesAbout(id) });
    }
    if (b?.jobs.some((j) => j.attempts > 1)) ranTwice++;
  }
  // What the builds bucket itself holds for them: the controller's answers come from its index.
  if (lostBuilds.length > 0) {
    const bus = await connectBus({ url: cluster.url, name: "soak report" });
    try {
      for (const lostBuild of lostBuilds) lostBuild.inBucket = await storedRecords(bus, lostBuild.id);
    } finally {
      await bus.close();
    }
  }

  client.close();
  const agentsExited = await Promise.all(agents.map((a) => stopGently(a)));
  await stopGently(controller);
  await new Promise((r) => setTimeout(r, 2000));
  const leakedContainers = containers().filter((c) => !containersBefore.has(c));
  const strays = strayJobProcesses(dir);
  const jobFolders = agents.map((_, i) => join(dir, `agent-${i}`, "jobs")).filter(existsSync).reduce((s, d) => s + readdirSync(d).length, 0);
  await cluster.stop();
  // After the cluster's own folder is gone: what is left was left by the farm.
  const leakedTemps = kilnTemps().filter((n) => !tempsBefore.has(n) && n !== basename(dir));
  await rm(dir, { recursive: true, force: true });

  const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;
  const report = {
    minutes,
    retention: retentionMinutes > 0 ? `${retentionMinutes}m` : "controller default",
    rate,
    agents: agentCount,
    docker: withDocker,
    submitted: submitted.size,
    submitErrors,
    succeeded,
    failed,
    lost,
    outcomeFromLogs,
    duplicateIds: n - submitErrors - submitted.size,
    jobsRunMoreThanOnce: ranTwice,
    leakedContainers: leakedContainers.length,
    leakedProcesses: strays.length,
    leakedTempFiles: leakedTemps.length,
    leakedTempFileNames: leakedTemps.slice(0, 10),
    leftoverJobFolders: jobFolders,
    agentsStoppedOnSigterm: agentsExited.filter(Boolean).length,
    rss: { start: { controller: mb(rssStart.controllerKb), agents: mb(rssStart.agentsKb), nats: mb(rssStart.natsKb) }, end: { controller: mb(rssEnd.controllerKb), agents: mb(rssEnd.agentsKb), nats: mb(rssEnd.natsKb) } },
    rssEveryMinute: rssTimeline,
    jetStreamAfterDrain: jetStreamEnd,
    failures: Object.fromEntries(failures),
    lostBuilds,
    logs: lost > 0 || failed > 0 ? logDir : "removed (nothing failed or was lost)",
    crashes: [controller, ...agents].flatMap((p) => p.crashes),
    chaos: chaosLog,
    wallSeconds: Math.round((Date.now() - started) / 1000),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (lost === 0 && failed === 0) await rm(logDir, { recursive: true, force: true });
}

/** The build's records as the bucket holds them (job 0 only: the soak's builds have one job each). */
async function storedRecords(bus: Bus, id: string): Promise<string> {
  const describeEntry = async (key: string): Promise<string> => {
    const entry = await bus.builds.get(key).catch((e: unknown) => errorMessage(e));
    if (entry === null || typeof entry === "string") return `${key}: ${entry ?? "none"}`;
    if (entry.operation !== "PUT") return `${key}: ${entry.operation} at revision ${entry.revision}`;
    const record = entry.json<{ state?: string; agent?: string; attempts?: number }>();
    return `${key}: revision ${entry.revision}${record.state ? `, ${record.state}` : ""}${record.agent ? ` on ${record.agent}` : ""}`;
  };
  return `${await describeEntry(buildKey(id))}; ${await describeEntry(jobKey(id, 0))}`;
}

/** Builds the controller logged as expired, and each job outcome an agent logged (the last, by build id). */
function outcomesInLogs(): { expired: Set<string>; agentSaid: Map<string, string> } {
  const expired = new Set<string>();
  const agentSaid = new Map<string, string>();
  for (const name of readdirSync(logDir)) {
    for (const line of readFileSync(join(logDir, name), "utf8").split("\n")) {
      const expiredBuild = / build expired build=(\S+)/.exec(line);
      if (expiredBuild) expired.add(expiredBuild[1]!);
      const outcome = / job (succeeded|failed|cancelled) build=(\S+)/.exec(line);
      if (outcome) agentSaid.set(outcome[2]!, outcome[1]!);
    }
  }
  return { expired, agentSaid };
}

/** The lines of every process's log that name `id` (at most 30). */
function linesAbout(id: string): string[] {
  const lines: string[] = [];
  for (const name of readdirSync(logDir)) {
    for (const line of readFileSync(join(logDir, name), "utf8").split("\n")) {
      if (line.includes(id)) lines.push(`${name}: ${line.slice(0, 400)}`);
    }
  }
  return lines.slice(0, 30);
}

main().catch((e: unknown) => {
  process.stderr.write(`soak: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});

/** The last healthcheck failure a NATS node logged ("JetStream consumer '…' is not current"), if any. */
function lastHealthcheck(log: string): string | undefined {
  return log.match(/Healthcheck failed: "([^"]*)"/g)?.at(-1);
}
