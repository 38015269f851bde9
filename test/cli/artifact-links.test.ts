/**
 * Artifact links (ArtifactLink + the web listener's /artifact-links/): a real nats-server, a
 * controller with a token and a web listener, a `file` agent, and the real `kiln` CLI.
 * `kiln artifacts --download` takes the bytes over a link, falls back to the API stream when the
 * controller has no listener or the listener is not reachable, and `--links` gives URLs that
 * work without a token for that one file only.
 */
import test from "ava";
import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get as httpsGet } from "node:https";
import { join } from "node:path";
import { startAgent, type AgentHandle } from "../../agent/farm/index.js";
import { ArtifactLinks, ARTIFACT_LINK_TTL_MS } from "../../controller/artifact-links.js";
import { startController, type RunningController } from "../../controller/index.js";
import { attachmentDisposition } from "../../controller/web/server.js";
import { runKilnCli, type KilnRun } from "../fixtures/kiln-cli.js";
import { startNatsServer, type NatsServerFixture } from "../fixtures/nats-server.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

const TOKEN = "artifact-links-token";
/** Several object-store chunks, so a link serves more than one. */
const PAYLOAD = randomBytes(3 * 1024 * 1024 + 17);
const PAYLOAD_SHA = createHash("sha256").update(PAYLOAD).digest("hex");

interface Farm {
  nats: NatsServerFixture;
  agent: AgentHandle;
  /** With a web listener on 127.0.0.1. */
  withWeb: RunningController;
  /** Without one. */
  apiOnly: RunningController;
  /** Its web listener on 127.0.0.2: not where the client reaches its API (127.0.0.1). */
  elsewhere: RunningController;
  /** API and web listener over TLS (a self-signed certificate made by openssl, tls/cert.pem). */
  secure: RunningController;
  buildId: string;
  dir: string;
}
let farm: Farm | undefined;

test.before(async (t) => {
  t.timeout(120_000);
  const nats = await startNatsServer();
  const common = { nats: { url: nats.url }, token: TOKEN, sweepIntervalMs: 200 };
  const withWeb = await startController({ ...common, listen: "127.0.0.1:0", webListen: "127.0.0.1:0" });
  const apiOnly = await startController({ ...common, listen: "127.0.0.1:0" });
  const elsewhere = await startController({ ...common, listen: "127.0.0.1:0", webListen: "127.0.0.2:0" });
  const dir = tempDirSync("kiln-artifact-links-");
  mkdirSync(join(dir, "tls"));
  const [key, cert] = [join(dir, "tls/key.pem"), join(dir, "tls/cert.pem")];
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { stdio: "ignore", timeout: 30_000 });
  const secure = await startController({ ...common, listen: "127.0.0.1:0", webListen: "127.0.0.1:0", tls: { certFile: cert, keyFile: key } });
  const agent = await startAgent({ nats: { url: nats.url }, name: "agent-file", builders: ["file"], pullExpiresMs: 1000 });
  writeFileSync(join(dir, "disk.img"), PAYLOAD);
  writeFileSync(join(dir, "template.json"), JSON.stringify({ builders: [{ type: "file", name: "disk", source: "disk.img", target: "out/disk.img" }] }));
  farm = { nats, agent, withWeb, apiOnly, elsewhere, secure, buildId: "", dir };
  const submitted = await kiln(withWeb, ["submit", "-machine-readable", "template.json"]);
  const id = /^\d+,,build-id,(\S+)$/m.exec(submitted.stdout)?.[1];
  if (!id) throw new Error(`submit failed: ${submitted.stdout}${submitted.stderr}`);
  const followed = await kiln(withWeb, ["logs", "-color=false", id, "-f"]);
  if (!/Build 'disk' finished/.test(followed.stdout)) throw new Error(`the build failed: ${followed.stdout}${followed.stderr}`);
  farm.buildId = id;
});

test.after.always(async () => {
  if (!farm) return;
  await farm.agent.stop();
  for (const c of [farm.withWeb, farm.apiOnly, farm.elsewhere, farm.secure]) await c.stop();
  await farm.nats.stop();
  rmSync(farm.dir, { recursive: true, force: true });
});

function theFarm(): Farm {
  if (!farm) throw new Error("the farm did not start");
  return farm;
}

function kiln(controller: RunningController, args: string[]): Promise<KilnRun> {
  return runKilnCli(args, { cwd: theFarm().dir, env: { KILN_CONTROLLER: controller.address, KILN_TOKEN: TOKEN }, killAfterMs: 60_000 });
}

/** How many calls the controller served, by its /metrics (api, method as labelled). */
async function served(controller: RunningController, api: "grpc" | "http", method: string): Promise<number> {
  const res = await fetch(`http://${controller.webAddress}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const text = await res.text();
  let n = 0;
  for (const m of text.matchAll(/^kiln_api_requests_total\{([^}]*)\} (\d+)$/gm)) {
    if (m[1]!.includes(`api="${api}"`) && m[1]!.includes(`method="${method}"`)) n += Number(m[2]);
  }
  return n;
}

const LINK_ROUTE = "GET /artifact-links/:id/:n";
const STREAM_RPC = "/kiln.v1.Farm/DownloadArtifact";

test.serial("--download takes the bytes over a link, not the API stream; --api-stream takes the stream", async (t) => {
  t.timeout(120_000);
  const { withWeb, buildId, dir } = theFarm();
  const links0 = await served(withWeb, "http", LINK_ROUTE);
  const streams0 = await served(withWeb, "grpc", STREAM_RPC);
  const viaLink = await kiln(withWeb, ["artifacts", buildId, "--download", "by-link"]);
  t.is(viaLink.status, 0, viaLink.stderr);
  t.true(readFileSync(join(dir, "by-link/out/disk.img")).equals(PAYLOAD));
  t.is(await served(withWeb, "http", LINK_ROUTE), links0 + 1);
  t.is(await served(withWeb, "grpc", STREAM_RPC), streams0);

  const viaStream = await kiln(withWeb, ["artifacts", buildId, "--download", "by-stream", "--api-stream"]);
  t.is(viaStream.status, 0, viaStream.stderr);
  t.true(readFileSync(join(dir, "by-stream/out/disk.img")).equals(PAYLOAD));
  t.is(await served(withWeb, "http", LINK_ROUTE), links0 + 1);
  t.is(await served(withWeb, "grpc", STREAM_RPC), streams0 + 1);
});

test.serial("--links prints URLs that serve that one file without a token, with its length and digest; changed ones are refused", async (t) => {
  t.timeout(60_000);
  const { withWeb, buildId } = theFarm();
  const listed = await kiln(withWeb, ["artifacts", buildId, "--links"]);
  t.is(listed.status, 0, listed.stderr);
  const url = /disk: out\/disk\.img  (http:\/\/127\.0\.0\.1:\d+\/artifact-links\/\S+)/.exec(listed.stdout)?.[1];
  t.truthy(url, listed.stdout);
  t.regex(listed.stderr, /The links work without a token until \d{4}-/);
  t.false(`${listed.stdout}${listed.stderr}`.includes(TOKEN));

  const res = await fetch(url!);
  t.is(res.status, 200);
  t.is(res.headers.get("content-length"), String(PAYLOAD.length));
  t.is(res.headers.get("repr-digest"), `sha-256=:${Buffer.from(PAYLOAD_SHA, "hex").toString("base64")}:`);
  t.true(Buffer.from(await res.arrayBuffer()).equals(PAYLOAD));

  // The same signature for another file, or a later expiry, is not this controller's link.
  for (const changed of [url!.replace("path=out%2Fdisk.img", "path=out%2Fother.img"), url!.replace(/expires=(\d+)/, (_, e: string) => `expires=${Number(e) + 1000}`)]) {
    const refused = await fetch(changed);
    t.is(refused.status, 403, changed);
    t.regex(((await refused.json()) as { error: string }).error, /not made by this controller/);
  }

  const machine = await kiln(withWeb, ["artifacts", buildId, "--links", "-machine-readable"]);
  t.is(machine.status, 0, machine.stderr);
  t.regex(machine.stdout, /^\d+,disk,artifact-link,0,out\/disk\.img,http:\/\/127\.0\.0\.1:\d+\/artifact-links\/[^,]+,\d{13}$/m);
});

test.serial("without a web listener --download streams through the API and --links says what to do", async (t) => {
  t.timeout(60_000);
  const { apiOnly, buildId, dir } = theFarm();
  const got = await kiln(apiOnly, ["artifacts", buildId, "--download", "no-web"]);
  t.is(got.status, 0, got.stderr);
  t.true(readFileSync(join(dir, "no-web/out/disk.img")).equals(PAYLOAD));
  t.notRegex(got.stderr, /not reachable/);
  const links = await kiln(apiOnly, ["artifacts", buildId, "--links"]);
  t.is(links.status, 1);
  t.regex(links.stderr, /no web listener.*--web-listen/);
});

test.serial("a web listener the client cannot reach: one warning, then the API stream", async (t) => {
  t.timeout(60_000);
  const { elsewhere, buildId, dir } = theFarm();
  const got = await kiln(elsewhere, ["artifacts", buildId, "--download", "elsewhere"]);
  t.is(got.status, 0, got.stderr);
  t.true(readFileSync(join(dir, "elsewhere/out/disk.img")).equals(PAYLOAD));
  t.is(got.stderr.match(/web listener \(127\.0\.0\.1:\d+\) is not reachable from here/g)?.length, 1, got.stderr);
});

test.serial("over TLS the links are https, checked against --tls-ca like the API", async (t) => {
  t.timeout(60_000);
  const { secure, buildId, dir } = theFarm();
  const got = await kiln(secure, ["artifacts", buildId, "--download", "over-tls", "--tls-ca", "tls/cert.pem"]);
  t.is(got.status, 0, got.stderr);
  t.true(readFileSync(join(dir, "over-tls/out/disk.img")).equals(PAYLOAD));
  t.notRegex(got.stderr, /not reachable/);
  const listed = await kiln(secure, ["artifacts", buildId, "--links", "--tls-ca", "tls/cert.pem"]);
  t.is(listed.status, 0, listed.stderr);
  const url = /(https:\/\/127\.0\.0\.1:\d+\/artifact-links\/\S+)/.exec(listed.stdout)?.[1];
  t.truthy(url, listed.stdout);
  const body = await new Promise<Buffer>((resolve, reject) => {
    const req = httpsGet(url!, { ca: readFileSync(join(dir, "tls/cert.pem")), timeout: 20_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (d: Buffer) => parts.push(d));
      res.once("end", () => (res.statusCode === 200 ? resolve(Buffer.concat(parts)) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.once("error", reject);
    });
    req.once("timeout", () => req.destroy(new Error("no answer")));
    req.once("error", reject);
  });
  t.true(body.equals(PAYLOAD));
});

test("a link is refused after it expires, and names what to do", (t) => {
  const links = new ArtifactLinks(() => ({ port: 8080, tls: false }));
  const now = Date.UTC(2026, 0, 1);
  const made = links.link({ buildId: "b1", jobIndex: 2, path: "out/a b.img" }, now);
  t.true(made.path.startsWith("/artifact-links/b1/2?"));
  t.is(made.expiresUnixMs, now + ARTIFACT_LINK_TTL_MS);
  const url = new URL(made.path, "http://x");
  t.deepEqual(links.check(url, now + 1000), { ok: true, request: { buildId: "b1", jobIndex: 2, path: "out/a b.img" } });
  const late = links.check(url, now + ARTIFACT_LINK_TTL_MS + 1);
  t.false(late.ok);
  t.regex(late.ok ? "" : late.reason, /expired at 2026-01-01T00:10:00\.000Z.*kiln artifacts ID --links/);
  // Another controller (another key) does not take it.
  t.false(new ArtifactLinks(() => ({ port: 8080, tls: false })).check(url, now).ok);
  t.false(new ArtifactLinks(() => undefined).link({ buildId: "b1", jobIndex: 0, path: "x" }).path !== "");
});

test("a download names its file for browsers and curl -J whatever its characters", (t) => {
  t.is(attachmentDisposition("disk.img"), `attachment; filename="disk.img"; filename*=UTF-8''disk.img`);
  t.is(attachmentDisposition('образ "1".qcow2'), `attachment; filename="_____ _1_.qcow2"; filename*=UTF-8''%D0%BE%D0%B1%D1%80%D0%B0%D0%B7%20%221%22.qcow2`);
  t.is(attachmentDisposition("a\r\nb(1)'*.img"), `attachment; filename="a__b(1)'*.img"; filename*=UTF-8''a%0D%0Ab%281%29%27%2A.img`);
});
