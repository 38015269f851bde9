/**
 * The web console in a real browser: Debian's chromium driven by playwright-core (no browser
 * download), against a real nats-server, a controller with a token and its web console, and two
 * agents, and a read-only token. Builds are submitted with the real `kiln submit`. Screenshots are kept in
 * test-artifacts/web-console/ (KILN_TEST_ARTIFACTS overrides) and checked for their key elements.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { startAgent, type AgentHandle } from "../../agent/farm/index.js";
import { startController, type RunningController } from "../../controller/index.js";
import { startNatsServer, type NatsServerFixture } from "../fixtures/nats-server.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const kiln = join(repo, "bin/kiln.js");
const TOKEN = "web-console-token";
const READ_TOKEN = "web-console-read-only-token";
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
const shots = process.env.KILN_TEST_ARTIFACTS ? join(process.env.KILN_TEST_ARTIFACTS, "web-console") : join(repo, "test-artifacts/web-console");

interface Farm {
  nats: NatsServerFixture;
  controller: RunningController;
  agents: AgentHandle[];
  browser: Browser;
  base: string;
}
let farm: Farm | undefined;
const cleanups: (() => unknown)[] = [];

if (!CHROMIUM) {
  test("web console tests skipped", (t) => {
    t.log("skipped: chromium is not installed (apt-get install chromium; .ci/run does)");
    t.pass();
  });
} else {
  test.before(async () => {
    mkdirSync(shots, { recursive: true });
    const nats = await startNatsServer();
    const controller = await startController({ listen: "127.0.0.1:0", webListen: "127.0.0.1:0", nats: { url: nats.url }, token: TOKEN, readOnlyToken: READ_TOKEN, sweepIntervalMs: 200 });
    const agents = [
      await startAgent({ nats: { url: nats.url }, name: "agent-a", builders: ["null"], labels: { rack: "r1" }, pullExpiresMs: 1000 }),
      await startAgent({ nats: { url: nats.url }, name: "agent-b", builders: ["null"], slots: 2, pullExpiresMs: 1000 }),
    ];
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
    farm = { nats, controller, agents, browser, base: `http://${controller.webAddress}` };
  });

  test.after.always(async () => {
    for (const c of cleanups.reverse()) await c();
    if (!farm) return;
    await farm.browser.close();
    for (const a of farm.agents) await a.stop();
    await farm.controller.stop();
    await farm.nats.stop();
  });

  const theFarm = (): Farm => {
    if (!farm) throw new Error("the farm did not start");
    return farm;
  };

  /** A page logged in through the login form (the cookie, never a token in a URL or the cookie). */
  async function loggedIn(token = TOKEN): Promise<Page> {
    const { browser, base } = theFarm();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    cleanups.push(() => context.close());
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    await page.goto(`${base}/`);
    await page.fill("#token", token);
    await Promise.all([page.waitForURL(`${base}/`), page.click("button[type=submit]")]);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "kiln_session");
    if (!session?.httpOnly || session.sameSite !== "Strict" || session.value.includes(TOKEN) || session.value.includes(READ_TOKEN)) throw new Error(`bad session cookie: ${JSON.stringify(cookies)}`);
    return page;
  }

  /** `kiln submit` of a template of null builds running shell-local `script`; resolves with the build id. */
  async function submit(script: string[], names = ["slow"]): Promise<string> {
    const dir = tempDirSync("kiln-web-");
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "template.json"), JSON.stringify({
      builders: names.map((name) => ({ type: "null", name, communicator: "none" })),
      provisioners: [{ type: "shell-local", inline: script }],
    }));
    const child = spawn(process.execPath, [kiln, "submit", "template.json"], { cwd: dir, env: { ...process.env, KILN_CONTROLLER: theFarm().controller.address, KILN_TOKEN: TOKEN } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on("close", r));
    const id = /build (\S+) submitted/.exec(out)?.[1] ?? /^(\S+)$/m.exec(out.trim())?.[1];
    if (code !== 0 || !id) throw new Error(`kiln submit failed (${code}): ${out}`);
    return id;
  }

  test.serial("an unauthenticated browser sees the login page and nothing else", async (t) => {
    const { browser, base } = theFarm();
    const context = await browser.newContext();
    cleanups.push(() => context.close());
    const page = await context.newPage();
    await page.goto(`${base}/builds`);
    t.is(new URL(page.url()).pathname, "/login");
    t.true(await page.isVisible("#token"));
    const html = await page.content();
    t.notRegex(html, /agent-a|agent-b/);
    const api = await page.evaluate(async () => (await fetch("/api/overview")).status);
    t.is(api, 401);
    const metrics = await page.evaluate(async () => (await fetch("/metrics")).status);
    t.is(metrics, 401);
    await page.fill("#token", "wrong");
    await page.click("button[type=submit]");
    t.regex(await page.textContent(".error") ?? "", /not this controller's/);
    await page.screenshot({ path: join(shots, "login.png") });
  });

  test.serial("the overview shows both agents with their slots and labels", async (t) => {
    const page = await loggedIn();
    await page.waitForSelector("tr[data-agent='agent-a']");
    await page.waitForSelector("tr[data-agent='agent-b']");
    t.regex(await page.textContent("tr[data-agent='agent-a']") ?? "", /rack=r1/);
    t.regex(await page.textContent("tr[data-agent='agent-b'] .slots") ?? "", /0 used \/ 2 free/);
    const png = join(shots, "overview.png");
    await page.screenshot({ path: png, fullPage: true });
    const header = readFileSync(png).subarray(0, 24);
    t.is(header.subarray(1, 4).toString(), "PNG");
    t.is(header.readUInt32BE(16), 1280, "a full-width screenshot");
  });

  test.serial("a build submitted by the CLI appears, its log streams line by line while it runs, then it succeeds", async (t) => {
    t.timeout(3 * 60_000);
    const id = await submit(["for i in 1 2 3 4 5 6; do echo \"line-$i from the farm\"; sleep 1; done"]);
    const page = await loggedIn();
    await page.click("a[href='/builds']");
    await page.waitForSelector(`tr[data-build='${id}']`);
    await page.click(`tr[data-build='${id}'] a`);
    await page.waitForSelector("#log .line:has-text('line-1 from the farm')");
    // Line 1 is on screen while the build still runs: streamed, not fetched at the end.
    t.is(await page.getAttribute("#build-state .state", "data-state"), "running");
    t.false(await page.isVisible("#log .line:has-text('line-6 from the farm')"));
    await page.screenshot({ path: join(shots, "build-running.png") });
    await page.waitForSelector("#log .line:has-text('line-6 from the farm')");
    await page.waitForSelector("#build-state .state[data-state='succeeded']");
    const lines = await page.$$eval("#log .line", (els) => els.map((e) => e.textContent ?? ""));
    const order = [1, 2, 3, 4, 5, 6].map((i) => lines.findIndex((l) => l.includes(`line-${i} from the farm`)));
    t.deepEqual([...order].sort((a, b) => a - b), order, "in order");
    t.true(order.every((i) => i >= 0));
    t.true(await page.isHidden("#cancel"), "no Cancel on a finished build");
    const log = await page.evaluate(async (u) => (await fetch(u)).text(), `/api/builds/${id}/log.txt`);
    t.regex(log, /line-6 from the farm/);
    await page.screenshot({ path: join(shots, "build-finished.png"), fullPage: true });
  });

  test.serial("Cancel stops a running build, as kiln cancel does", async (t) => {
    t.timeout(3 * 60_000);
    const id = await submit(["echo started-and-waiting", "sleep 300", "echo never"]);
    const page = await loggedIn();
    await page.goto(`${theFarm().base}/builds/${id}`);
    await page.waitForSelector("#log .line:has-text('started-and-waiting')");
    await page.click("#cancel");
    await page.waitForSelector("#build-state .state[data-state='cancelled']", { timeout: 90_000 });
    const build = await page.evaluate(async (u) => (await fetch(u)).json(), `/api/builds/${id}`);
    t.is((build as { state: string }).state, "STATE_CANCELLED");
    t.notRegex((await page.textContent("#log")) ?? "", /\bnever\b/);
    await page.screenshot({ path: join(shots, "build-cancelled.png") });
  });

  test.serial("the builds list filters by state and text; an agent's page lists its builds", async (t) => {
    const page = await loggedIn();
    await page.goto(`${theFarm().base}/builds`);
    await page.selectOption("select[name=state]", "cancelled");
    await page.click("#filters button[type=submit]");
    await page.waitForFunction(() => document.querySelectorAll("#builds tbody tr").length === 1);
    t.is(await page.getAttribute("#builds tbody tr .state", "data-state"), "cancelled");
    await page.selectOption("select[name=state]", "");
    await page.fill("input[name=q]", "no-such-build-anywhere");
    await page.click("#filters button[type=submit]");
    await page.waitForFunction(() => document.querySelectorAll("#builds tbody tr").length === 0);
    const agent = theFarm().agents.find(() => true)!;
    await page.goto(`${theFarm().base}/agents/${agent.name}`);
    await page.waitForSelector("#agent-facts table");
    t.regex(await page.textContent("#agent-facts") ?? "", /null/);
    t.pass();
  });

  test.serial("/metrics speaks Prometheus with the bearer token: builds, agents, queue, API requests", async (t) => {
    const res = await fetch(`${theFarm().base}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    t.is(res.status, 200);
    t.regex(res.headers.get("content-type") ?? "", /^text\/plain/);
    const text = await res.text();
    t.regex(text, /^kiln_agents_up 2$/m);
    t.regex(text, /^kiln_agent_slots\{agent="agent-b"\} 2$/m);
    t.regex(text, /^kiln_builds\{state="succeeded"\} [1-9]/m);
    t.regex(text, /^kiln_builds\{state="cancelled"\} 1$/m);
    t.regex(text, /^kiln_job_duration_seconds_count\{builder_type="null",state="succeeded"\} [1-9]/m);
    t.regex(text, /^kiln_api_requests_total\{api="grpc",method="\/kiln\.v1\.Farm\/SubmitBuild",code="OK"\} [1-9]/m);
    t.regex(text, /^kiln_api_requests_total\{api="http",method="GET \/api\/overview",code="200"\} [1-9]/m);
    t.regex(text, /^kiln_controller_process_resident_memory_bytes \d+/m);
    t.regex(text, /^kiln_step_duration_seconds_count\{builder_type="null",step="provision"\} [1-9]/m);
    t.regex(text, /^kiln_log_bytes_total\{builder_type="null"\} [1-9]/m);
    // The shipped Grafana dashboard only uses names the controller exports.
    const dashboard = readFileSync(join(repo, "deploy/grafana/kiln-farm.json"), "utf8");
    const used = [...new Set(dashboard.match(/kiln_[a-z_]+/g) ?? [])];
    t.true(used.length > 5);
    for (const name of used) t.regex(text, new RegExp(`^# TYPE ${name.replace(/_(bucket|count|sum)$/, "")} `, "m"), `${name} is used by deploy/grafana/kiln-farm.json`);
  });
  test.serial("a read-only login sees the builds but no Cancel; the server refuses its forged cancel (403) and serves it /metrics", async (t) => {
    t.timeout(3 * 60_000);
    const { base } = theFarm();
    const id = await submit(["echo watched-read-only", "sleep 300", "echo never"]);
    t.teardown(() => fetch(`${base}/api/builds/${id}/cancel`, { method: "POST", headers: { Authorization: `Bearer ${TOKEN}`, "X-Kiln-Request": "1" } }).then(() => undefined));
    const page = await loggedIn(READ_TOKEN);
    const session = (await page.context().cookies()).find((c) => c.name === "kiln_session")!;
    t.regex(session.value, /^read-only\./, "the cookie names the role");
    await page.waitForSelector("#access:not([hidden])");
    t.is(await page.textContent("#access"), "read-only");
    await page.click("a[href='/builds']");
    await page.waitForSelector(`tr[data-build='${id}']`);
    await page.click(`tr[data-build='${id}'] a`);
    await page.waitForSelector("#log .line:has-text('watched-read-only')");
    await page.waitForSelector("#build-state .state[data-state='running']");
    t.true(await page.isHidden("#cancel"), "no Cancel button for a read-only session");
    await page.screenshot({ path: join(shots, "build-read-only.png") });

    const forged = await page.evaluate(async (u) => {
      const res = await fetch(u, { method: "POST", headers: { "X-Kiln-Request": "1" } });
      return { status: res.status, body: (await res.json()) as { error: string } };
    }, `/api/builds/${id}/cancel`);
    t.is(forged.status, 403);
    t.regex(forged.body.error, /read-only token/);
    t.false(forged.body.error.includes(READ_TOKEN));
    const still = await page.evaluate(async (u) => ((await (await fetch(u)).json()) as { state: string }).state, `/api/builds/${id}`);
    t.is(still, "STATE_RUNNING", "the build still runs");
    const bearerCancel = await fetch(`${base}/api/builds/${id}/cancel`, { method: "POST", headers: { Authorization: `Bearer ${READ_TOKEN}`, "X-Kiln-Request": "1" } });
    t.is(bearerCancel.status, 403);

    const metrics = await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${READ_TOKEN}` } });
    t.is(metrics.status, 200);
    t.regex(await metrics.text(), /^kiln_builds\{state="running"\} 1$/m);

    // A full session on the same build does get the button: it was hidden for the role, not the state.
    const full = await loggedIn();
    await full.goto(`${base}/builds/${id}`);
    await full.waitForSelector("#cancel:not([hidden])");
    t.true(await full.isHidden("#access"));
  });
}
