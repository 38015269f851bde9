/**
 * Web console fan-out: many browsers watching one running build's live log as server-sent events.
 * A real nats-server, the controller in this process (token + web console), one `kiln agent`
 * child process (null builder), one build submitted with the real `kiln submit` whose shell-local
 * provisioner prints `lines` lines "tick I T" 50 ms apart, T being the wall clock (ms) when printed.
 * `watchers` SSE connections to /api/builds/<id>/events (bearer token, node:http) run in a child
 * process of their own (so this process's CPU is the controller's) and record, for every tick,
 * lag = Date.now() - T (same host clock), and whether each watcher got every tick once, in order.
 *
 *   npm run build && node dist/bench/web/run.js [watchers=200] [lines=300]
 *
 * Goal: p99 lag <= 250 ms with 200 watchers, no tick missing, duplicated or out of order.
 * Exits 0 unless ticks were lost (1), or the run failed / passed its 5-minute deadline (2).
 */
import { errorMessage } from "../../shared/error-message.js";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const kiln = join(repo, "bin/kiln.js");
const TOKEN = "bench-web-token";
const RUN_MS = 5 * 60_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface WatchResult { cpuSeconds: number; connected: number; firstConnectedAt: number; lastConnectedAt: number; firstTickAt: number; lags: { n: number; p50: number; p95: number; p99: number; max: number }; missing: number; duplicates: number; outOfOrder: number; failed: number; errors: string[] }

/** Child mode: `run.js --watch BASE BUILD WATCHERS LINES DEADLINE` (token in KILN_TOKEN); prints one WatchResult as JSON. */
async function watchers(base: string, buildId: string, n: number, lines: number, deadline: number): Promise<WatchResult> {
  const lags: number[] = [];
  const r: WatchResult = { cpuSeconds: 0, connected: 0, firstConnectedAt: Infinity, lastConnectedAt: 0, firstTickAt: Infinity, lags: { n: 0, p50: 0, p95: 0, p99: 0, max: 0 }, missing: 0, duplicates: 0, outOfOrder: 0, failed: 0, errors: [] };
  const requests = new Set<http.ClientRequest>();
  const timer = setTimeout(() => { for (const q of requests) q.destroy(new Error("deadline passed")); }, Math.max(0, deadline - Date.now()));
  const one = (): Promise<void> => new Promise<void>((done) => {
    const counts = new Uint32Array(lines + 1);
    let maxSeen = 0;
    let ended = false;
    let finished = false;
    const finish = (err?: string): void => {
      if (finished) return;
      finished = true;
      requests.delete(req);
      if (err !== undefined) { r.failed++; if (r.errors.length < 5) r.errors.push(err); }
      for (let i = 1; i <= lines; i++) { if (counts[i] === 0) r.missing++; else r.duplicates += counts[i] - 1; }
      done();
    };
    const req = http.get(`${base}/api/builds/${encodeURIComponent(buildId)}/events`, { headers: { Authorization: `Bearer ${process.env.KILN_TOKEN}`, Accept: "text/event-stream" } }, (res) => {
      if (res.statusCode !== 200) { res.resume(); return finish(`HTTP ${res.statusCode}`); }
      r.connected++;
      r.firstConnectedAt = Math.min(r.firstConnectedAt, Date.now());
      r.lastConnectedAt = Math.max(r.lastConnectedAt, Date.now());
      res.setEncoding("utf8");
      let buf = "";
      res.on("data", (chunk: string) => {
        buf += chunk;
        for (let cut = buf.indexOf("\n\n"); cut >= 0; cut = buf.indexOf("\n\n")) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          let event = "message";
          let data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith("event:")) event = line.slice(6).trim();
            else if (line.startsWith("data:")) data += line.slice(line[5] === " " ? 6 : 5);
          }
          if (event === "end") { ended = true; finish(); req.destroy(); return; }
          if (event === "failure") { finish(`failure event: ${data}`); req.destroy(); return; }
          if (event !== "message" || data === "") continue;
          const text = (JSON.parse(data) as { log?: { text?: string } }).log?.text;
          if (!text) continue;
          const now = Date.now();
          for (const m of text.matchAll(/tick (\d+) (\d+)/g)) {
            const i = Number(m[1]);
            if (i < 1 || i > lines) continue;
            if (counts[i]++ > 0) continue; // a duplicate: counted at the end
            if (i < maxSeen) r.outOfOrder++;
            maxSeen = Math.max(maxSeen, i);
            r.firstTickAt = Math.min(r.firstTickAt, Number(m[2]));
            lags.push(now - Number(m[2]));
          }
        }
      });
      res.on("error", (e) => finish(e.message));
      res.on("close", () => finish(ended ? undefined : "the stream closed without an end event"));
    });
    requests.add(req);
    req.on("error", (e) => finish(e.message));
  });
  await Promise.all(Array.from({ length: n }, one));
  clearTimeout(timer);
  lags.sort((a, b) => a - b);
  const u = process.cpuUsage();
  r.cpuSeconds = (u.user + u.system) / 1e6;
  r.lags = { n: lags.length, p50: percentile(lags, 50), p95: percentile(lags, 95), p99: percentile(lags, 99), max: lags[lags.length - 1] ?? NaN };
  return r;
}

if (process.argv[2] === "--watch") {
  const [base, id, n, lines, deadline] = process.argv.slice(3);
  process.stdout.write(JSON.stringify(await watchers(base, id, Number(n), Number(lines), Number(deadline))));
  process.exit(0);
}

// ---------------------------------------------------------------- the benchmark itself
const { startController } = await import("../../controller/index.js");
const { startNatsServer } = await import("../../test/fixtures/nats-server.js");
const WATCHERS = Number(process.argv[2] ?? 200);
const LINES = Number(process.argv[3] ?? 300);
if (!Number.isInteger(WATCHERS) || WATCHERS < 1 || !Number.isInteger(LINES) || LINES < 1) throw new Error("usage: node dist/bench/web/run.js [watchers=200] [lines=300]");
const deadline = Date.now() + RUN_MS;
const children = new Set<ChildProcess>();
let stopEverything = async (): Promise<void> => {};
setTimeout(() => {
  console.error(`bench/web: ABORTED: the run did not finish within ${RUN_MS / 60_000} minutes; stopping everything`);
  for (const c of children) c.kill("SIGKILL");
  void Promise.race([stopEverything(), sleep(15_000)]).finally(() => process.exit(2));
}, RUN_MS).unref();

/** Runs a child to its end (or kills it at `ms`), with its stdout. */
function run(args: string[], env: NodeJS.ProcessEnv, ms: number, what: string): Promise<{ code: number | null; out: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
    const timer = setTimeout(() => { child.kill("SIGKILL"); fail(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)); }, ms);
    child.once("error", fail);
    child.once("exit", (code) => { clearTimeout(timer); children.delete(child); if (err.trim() !== "" && code !== 0) console.error(err.trim()); ok({ code, out }); });
  });
}

/** utime + stime of a process in seconds, from /proc (clock ticks of 10 ms). */
async function procCpu(pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN;
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return f.length < 13 ? NaN : (Number(f[11]) + Number(f[12])) / 100;
}
const ownCpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);

const nats = await startNatsServer();
const controller = await startController({ listen: "127.0.0.1:0", webListen: "127.0.0.1:0", nats: { url: nats.url }, token: TOKEN, sweepIntervalMs: 200 });
const work = await mkdtemp(join(tmpdir(), "kiln-bench-web-"));
const agent = spawn(process.execPath, [kiln, "agent", "--nats", nats.url, "--name", "bench-web", "--builders", "null", "--work-dir", join(work, "agent")], { stdio: "ignore" });
children.add(agent);
let stopped = false;
stopEverything = async () => {
  if (stopped) return;
  stopped = true;
  for (const c of children) if (c !== agent) c.kill("SIGKILL");
  if (agent.exitCode === null && agent.signalCode === null) {
    const gone = new Promise<void>((r) => agent.once("exit", () => r()));
    agent.kill("SIGTERM");
    if (await Promise.race([gone.then(() => true), sleep(10_000).then(() => false)]) === false) agent.kill("SIGKILL");
  }
  await controller.stop();
  await nats.stop();
  await rm(work, { recursive: true, force: true });
};

let exitCode = 2;
try {
  const base = `http://${controller.webAddress}`;
  for (let announced = false; !announced;) {
    if (Date.now() > deadline) throw new Error("the agent did not announce itself");
    for await (const k of await controller.bus.agents.keys()) if (k === "agent.bench-web") announced = true;
    if (!announced) await sleep(200);
  }
  const script = `sleep 3; for i in $(seq 1 ${LINES}); do echo "tick $i $(date +%s%3N)"; sleep 0.05; done`;
  await writeFile(join(work, "template.json"), JSON.stringify({ builders: [{ type: "null", name: "ticks", communicator: "none" }], provisioners: [{ type: "shell-local", inline: [script] }] }));

  const rssStart = process.memoryUsage().rss;
  let rssPeak = rssStart;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 200);
  const cpu0 = { controller: ownCpu(), nats: await procCpu(nats.pid), agent: await procCpu(agent.pid) };
  const t0 = Date.now();

  const sub = await run([kiln, "submit", join(work, "template.json")], { KILN_CONTROLLER: controller.address, KILN_TOKEN: TOKEN }, 60_000, "kiln submit");
  const buildId = /build (\S+) submitted/.exec(sub.out)?.[1] ?? /^(\S+)$/m.exec(sub.out.trim())?.[1];
  if (sub.code !== 0 || !buildId) throw new Error(`kiln submit failed (${sub.code}): ${sub.out}`);
  const submittedAt = Date.now();

  const w = await run([fileURLToPath(import.meta.url), "--watch", base, buildId, String(WATCHERS), String(LINES), String(deadline - 5_000)], { KILN_TOKEN: TOKEN }, deadline - Date.now(), "the watchers");
  if (w.code !== 0) throw new Error(`the watchers process exited ${w.code}`);
  const r = JSON.parse(w.out) as WatchResult;

  const elapsed = (Date.now() - t0) / 1000;
  const cpu1 = { controller: ownCpu(), nats: await procCpu(nats.pid), agent: await procCpu(agent.pid) };
  const rssEnd = process.memoryUsage().rss;
  clearInterval(sampler);
  const build = await (await fetch(`${base}/api/builds/${buildId}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json() as { state?: string };

  const expected = WATCHERS * LINES;
  const met = r.lags.n > 0 && r.lags.p99 <= 250;
  const row = (k: string, v: string): void => console.log(`  ${k.padEnd(37)}${v}`);
  console.log(`web console SSE fan-out: ${WATCHERS} watchers x ${LINES} lines of one build (${buildId}, ${build.state ?? "?"}), a line every ~50 ms`);
  row("watchers connected", `${r.connected}/${WATCHERS}, the last ${r.lastConnectedAt - submittedAt} ms after submit; all before the first tick: ${r.lastConnectedAt <= r.firstTickAt ? "yes" : "NO (replayed ticks inflate lag)"}`);
  row("lag printed -> received (ms)", `p50 ${r.lags.p50}  p95 ${r.lags.p95}  p99 ${r.lags.p99}  max ${r.lags.max}  (${r.lags.n} samples)`);
  row("goal", `p99 <= 250 ms with 200 watchers: ${met ? "met" : "NOT met"}${WATCHERS !== 200 ? ` (measured with ${WATCHERS})` : ""}`);
  row("missing / duplicates / out-of-order", `${r.missing} / ${r.duplicates} / ${r.outOfOrder} of ${expected} expected (goal 0 / 0 / 0)`);
  if (r.failed > 0) row("watchers failed", `${r.failed}: ${r.errors.join("; ")}`);
  const c = cpu1.controller - cpu0.controller;
  row("controller CPU (this process)", `${c.toFixed(2)} s over ${elapsed.toFixed(1)} s wall (${((100 * c) / elapsed).toFixed(0)}% of one core)`);
  row("controller RSS", `${mb(rssStart)} MB before, ${mb(rssEnd)} MB after, peak ${mb(rssPeak)} MB`);
  row("nats-server CPU", `${(cpu1.nats - cpu0.nats).toFixed(2)} s`);
  row("agent / watchers process CPU", `${(cpu1.agent - cpu0.agent).toFixed(2)} s / ${r.cpuSeconds.toFixed(2)} s`);
  exitCode = r.missing > 0 ? 1 : 0;
} catch (e) {
  console.error(`bench/web: FAILED: ${errorMessage(e)}`);
} finally {
  await Promise.race([stopEverything(), sleep(30_000)]);
}
process.exit(exitCode);
