/**
 * The farm's web console and metrics, served by the controller (`kiln controller --web-listen`):
 * pages (a small script app in ./static, no build step), a JSON API over the same functions the
 * gRPC API uses, a build's live output as server-sent events from the same stream `kiln logs -f`
 * watches, artifact downloads, and /metrics for Prometheus.
 *
 * Auth: with a controller token, a browser logs in once with it or with the read-only token (a
 * form) and gets an HttpOnly, SameSite=Strict session cookie naming its access (./session.ts; no
 * token in the cookie or in any URL); scripts (Prometheus) send `Authorization: Bearer <token>`.
 * State-changing calls are refused (403) to read-only callers and need the `X-Kiln-Request`
 * header, which a cross-site form cannot send. Same TLS as the gRPC API.
 */
import { errorMessage } from "../../shared/error-message.js";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Agent as AgentMsg, Build as BuildMsg, BuildOutput } from "../../proto/gen/kiln/v1/farm.js";
import type { BuildIndex } from "../build-index.js";
import { getBuild, listAgents } from "../build-queries.js";
import { buildState, buildToProto } from "../build-view.js";
import { presentAgents } from "../agents.js";
import { accessOfToken, readOnlyRefusal, type Access, type ControllerTokens } from "../auth.js";
import { cancelBuild } from "../cancel-build.js";
import type { ControllerContext } from "../context.js";
import { ARTIFACT_LINK_PREFIX, type ArtifactLinks } from "../artifact-links.js";
import { findArtifactFile, streamArtifactFile } from "../download-artifact.js";
import { ControllerError } from "../errors.js";
import { watchBuild } from "../watch-build.js";
import type { ControllerMetrics } from "./metrics.js";
import { accessOfSession, SESSION_COOKIE, sessionValue } from "./session.js";

export interface WebConsoleOptions {
  listen: { host: string; port: number };
  tokens: ControllerTokens;
  /** Checks the signed one-file links ArtifactLink hands out (served without a token). */
  links: ArtifactLinks;
  tls?: { cert: Buffer; key: Buffer };
}

export interface RunningWebConsole {
  address: string;
  port: number;
  stop(): Promise<void>;
}

const STATIC_FILES: Record<string, { file: string; type: string }> = {
  "/static/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/static/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
};

export async function startWebConsole(ctx: ControllerContext, index: BuildIndex, metrics: ControllerMetrics, options: WebConsoleOptions): Promise<RunningWebConsole> {
  const staticDir = findStaticDir();
  const ansiUp = createRequire(import.meta.url).resolve("ansi_up");
  const { tokens } = options;
  const secure = options.tls !== undefined;
  const open = new Set<ServerResponse>();

  /** What the request may do by its bearer token or session cookie; undefined: not logged in. */
  const accessOf = (req: IncomingMessage): Access | undefined => {
    if (tokens.token === undefined) return "full";
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (bearer !== undefined) return accessOfToken(bearer, tokens);
    const cookie = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    return cookie !== undefined ? accessOfSession(cookie, tokens) : undefined;
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://console");
    const route = url.pathname;
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
    if (route === "/login" && req.method === "GET") return sendHtml(res, 200, loginPage(""));
    if (route === "/login" && req.method === "POST") {
      const form = new URLSearchParams(await readBody(req, 64 * 1024));
      if (tokens.token === undefined) return sendHtml(res, 401, loginPage("This controller has no token: no login needed."));
      const access = accessOfToken(form.get("token") ?? "", tokens);
      if (access === undefined) return sendHtml(res, 401, loginPage("That token is not this controller's."));
      res.setHeader("Set-Cookie", `${SESSION_COOKIE}=${sessionValue(access, tokens)}; HttpOnly; SameSite=Strict; Path=/${secure ? "; Secure" : ""}`);
      return redirect(res, "/");
    }
    if (route === "/logout" && req.method === "POST") {
      res.setHeader("Set-Cookie", `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${secure ? "; Secure" : ""}`);
      return redirect(res, "/login");
    }
    if (route.startsWith(ARTIFACT_LINK_PREFIX) && req.method === "GET") {
      const link = options.links.check(url);
      if (!link.ok) return sendJson(res, 403, { error: link.reason });
      return sendArtifact(ctx, link.request.buildId, link.request.jobIndex, link.request.path, res);
    }
    if (route === "/static/style.css") return sendFile(res, path.join(staticDir, "style.css"), STATIC_FILES[route]!.type);
    const access = accessOf(req);
    if (access === undefined) {
      if (route.startsWith("/api/") || route === "/metrics") return sendJson(res, 401, { error: "log in first (POST /login with the controller's token), or send Authorization: Bearer <token>" });
      return redirect(res, "/login");
    }
    if (route === "/metrics") {
      res.writeHead(200, { "Content-Type": metrics.registry.contentType });
      return void res.end(await metrics.render());
    }
    if (route in STATIC_FILES) return sendFile(res, path.join(staticDir, STATIC_FILES[route]!.file), STATIC_FILES[route]!.type);
    if (route === "/static/ansi_up.js") return sendFile(res, ansiUp, "text/javascript; charset=utf-8");
    if (req.method === "GET" && (route === "/" || route === "/builds" || /^\/(builds|agents)\/[^/]+$/.test(route))) {
      return sendFile(res, path.join(staticDir, "index.html"), "text/html; charset=utf-8");
    }
    if (route === "/api/session" && req.method === "GET") return sendJson(res, 200, { access });
    if (route === "/api/overview" && req.method === "GET") return sendJson(res, 200, await overview(ctx, index));
    if (route === "/api/builds" && req.method === "GET") return sendJson(res, 200, await buildList(ctx, index, url.searchParams));
    const buildRoute = /^\/api\/builds\/([^/]+)(\/.*)?$/.exec(route);
    if (buildRoute) {
      const id = decodeURIComponent(buildRoute[1]!);
      const rest = buildRoute[2] ?? "";
      if (rest === "" && req.method === "GET") return sendJson(res, 200, BuildMsg.toJSON(await getBuild(ctx, id)));
      if (rest === "/cancel" && req.method === "POST") {
        if (access === "read-only") return sendJson(res, 403, { error: readOnlyRefusal("Cancelling a build") });
        if (req.headers["x-kiln-request"] === undefined) return sendJson(res, 403, { error: "missing X-Kiln-Request header" });
        return sendJson(res, 200, BuildMsg.toJSON(await cancelBuild(ctx, { buildId: id })));
      }
      if (rest === "/events" && req.method === "GET") return streamEvents(ctx, id, req, res, open);
      if (rest === "/log.txt" && req.method === "GET") return sendLogText(ctx, id, res);
      const artifact = /^\/jobs\/(\d+)\/artifact$/.exec(rest);
      if (artifact && req.method === "GET") return sendArtifact(ctx, id, Number(artifact[1]), url.searchParams.get("path") ?? "", res);
    }
    if (route === "/api/agents" && req.method === "GET") return sendJson(res, 200, (await listAgents(ctx)).agents.map((a) => AgentMsg.toJSON(a)));
    return sendJson(res, 404, { error: `no page ${route}` });
  };

  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    res.on("finish", () => metrics.request("http", `${req.method ?? "GET"} ${routeName(req.url ?? "/")}`, String(res.statusCode)));
    handler(req, res).catch((e: unknown) => {
      const code = e instanceof ControllerError ? httpStatus(e.code) : 500;
      if (!res.headersSent) sendJson(res, code, { error: errorMessage(e) });
      else res.destroy();
    });
  };
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, serve) : http.createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.listen.port, options.listen.host, () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === "object" && bound ? bound.port : options.listen.port;
  const host = options.listen.host.includes(":") ? `[${options.listen.host}]` : options.listen.host;
  return {
    address: `${host}:${port}`,
    port,
    async stop() {
      for (const res of open) res.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Agents and the queue: what waits for which builder type, and since when. */
async function overview(ctx: ControllerContext, index: BuildIndex): Promise<unknown> {
  const agents = await presentAgents(ctx.bus, ctx.log);
  const queue = new Map<string, { builderType: string; depth: number; oldestSubmittedAt: string }>();
  const counts: Record<string, number> = {};
  for (const b of index.all()) {
    const state = buildState(b.record, [...b.jobs.values()]);
    counts[state] = (counts[state] ?? 0) + 1;
  }
  for (const b of index.unfinished()) {
    for (const j of b.jobs.values()) {
      if (j.state !== "queued") continue;
      const q = queue.get(j.builderType) ?? { builderType: j.builderType, depth: 0, oldestSubmittedAt: b.record.submittedAt };
      q.depth += 1;
      if (b.record.submittedAt < q.oldestSubmittedAt) q.oldestSubmittedAt = b.record.submittedAt;
      queue.set(j.builderType, q);
    }
  }
  return { now: new Date().toISOString(), agents: agents.map((a) => AgentMsg.toJSON({ ...a, labels: a.labels })), queue: [...queue.values()], counts };
}

/**
 * Builds newest first, filtered by state, builder type, agent and text (id, template, job names),
 * `limit` per page and `before` (a build id) for the next: read from the build index, so paging
 * through 10,000 builds reads no NATS record.
 */
async function buildList(ctx: ControllerContext, index: BuildIndex, q: URLSearchParams): Promise<unknown> {
  const limit = Math.min(Math.max(Number(q.get("limit") ?? "50") || 50, 1), 500);
  const before = q.get("before") ?? "";
  const state = q.get("state") ?? "";
  const builder = q.get("builder") ?? "";
  const agent = q.get("agent") ?? "";
  const text = (q.get("q") ?? "").toLowerCase();
  const agents = await presentAgents(ctx.bus, ctx.log).catch(() => []);
  const all = index.all().sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const page: unknown[] = [];
  let next = "";
  for (const b of all) {
    if (before !== "" && b.id >= before) continue;
    const jobs = [...b.jobs.values()];
    if (state && buildState(b.record, jobs) !== state) continue;
    if (builder && !jobs.some((j) => j.builderType === builder)) continue;
    if (agent && !jobs.some((j) => j.agent === agent)) continue;
    if (text && ![b.id, b.record.template, ...b.record.jobNames].some((s) => s.toLowerCase().includes(text))) continue;
    if (page.length === limit) {
      next = (page[page.length - 1] as { id: string }).id;
      break;
    }
    page.push(BuildMsg.toJSON(buildToProto(b.record, jobs, agents)));
  }
  return { builds: page, nextBefore: next, total: all.length };
}

/** Server-sent events: each BuildOutput as JSON, its sequence as the event id (EventSource resumes from Last-Event-ID). */
async function streamEvents(ctx: ControllerContext, buildId: string, req: IncomingMessage, res: ServerResponse, open: Set<ServerResponse>): Promise<void> {
  const last = Number(req.headers["last-event-id"] ?? new URL(req.url ?? "/", "http://x").searchParams.get("after") ?? "0") || 0;
  res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no" });
  res.write(": kiln build output\n\n");
  open.add(res);
  const gone = new AbortController();
  res.on("close", () => {
    gone.abort();
    open.delete(res);
  });
  const writer = {
    get cancelled() {
      return gone.signal.aborted;
    },
    write(item: BuildOutput) {
      return res.write(`id: ${item.sequence}\ndata: ${JSON.stringify(BuildOutput.toJSON(item))}\n\n`);
    },
    once(event: "drain", listener: () => void) {
      return res.once(event, listener);
    },
  };
  try {
    await watchBuild(ctx, { buildId, afterSequence: last, follow: true, acceptTextEncodings: [] }, writer, AbortSignal.any([gone.signal, ctx.stopping]));
    res.write("event: end\ndata: {}\n\n");
  } catch (e) {
    if (!gone.signal.aborted) res.write(`event: failure\ndata: ${JSON.stringify({ error: errorMessage(e) })}\n\n`);
  }
  res.end();
}

/** The whole log as plain text (colours removed), for "download". */
async function sendLogText(ctx: ControllerContext, buildId: string, res: ServerResponse): Promise<void> {
  const build = await getBuild(ctx, buildId);
  res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Content-Disposition": `attachment; filename="${build.id}.log"` });
  const writer = {
    cancelled: false,
    write(item: BuildOutput) {
      if (item.log) return res.write(`${item.log.text.replace(/\x1b\[[0-9;]*m/g, "")}\n`);
      if (item.event?.kind === "job-finished") return res.write(`--- ${item.event.name}: ${item.event.error || "finished"}\n`);
      return true;
    },
    once(event: "drain", listener: () => void) {
      return res.once(event, listener);
    },
  };
  await watchBuild(ctx, { buildId, afterSequence: 0, follow: false, acceptTextEncodings: [] }, writer, ctx.stopping);
  res.end();
}

/**
 * One artifact file, with its length (so a cut-off transfer is seen as one) and the sha256 the
 * agent recorded (RFC 9530 Repr-Digest, and as the ETag).
 */
async function sendArtifact(ctx: ControllerContext, buildId: string, jobIndex: number, file: string, res: ServerResponse): Promise<void> {
  const request = { buildId, jobIndex, path: file };
  const recorded = await findArtifactFile(ctx, request);
  let started = false;
  const start = (): void => {
    started = true;
    res.writeHead(200, {
      "Content-Type": "application/octet-stream",
      "Content-Length": String(recorded.size),
      "Content-Disposition": attachmentDisposition(path.basename(file)),
      "Repr-Digest": `sha-256=:${Buffer.from(recorded.sha256, "hex").toString("base64")}:`,
      ETag: `"${recorded.sha256}"`,
      "Cache-Control": "private, no-store",
    });
  };
  const writer = {
    get cancelled() {
      return res.destroyed;
    },
    write(chunk: { data: Uint8Array }) {
      if (!started) start();
      return res.write(chunk.data);
    },
    once(event: "drain", listener: () => void) {
      return res.once(event, listener);
    },
  };
  await streamArtifactFile(ctx, request, recorded, writer);
  if (!started) start();
  res.end();
}

/**
 * `attachment` with the file's name: plain ASCII for old clients, and the exact name (any
 * characters) as RFC 6266's `filename*`; a name Node would refuse in a header never fails the download.
 */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

function findStaticDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, "controller/web/static");
    if (existsSync(path.join(candidate, "index.html"))) return candidate;
    if (existsSync(path.join(dir, "static/index.html"))) return path.join(dir, "static");
    dir = path.dirname(dir);
  }
  throw new Error("the web console's files (controller/web/static) are missing from this installation");
}

function routeName(url: string): string {
  const p = url.split("?")[0] ?? "/";
  return p.replace(/^\/api\/builds\/[^/]+/, "/api/builds/:id").replace(/\/jobs\/\d+\//, "/jobs/:n/").replace(/^\/(builds|agents)\/[^/]+$/, "/$1/:id").replace(/^\/artifact-links\/.*/, "/artifact-links/:id/:n");
}

function httpStatus(grpcCode: number): number {
  return ({ 3: 400, 5: 404, 7: 403, 9: 409, 14: 503, 16: 401 } as Record<number, number>)[grpcCode] ?? 500;
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  let body = "";
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > max) throw new Error("request body too large");
  }
  return body;
}

async function sendFile(res: ServerResponse, file: string, type: string): Promise<void> {
  const body = await readFile(file);
  res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-cache" });
  res.end(body);
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}

function sendHtml(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
  res.end(body);
}

function redirect(res: ServerResponse, to: string): void {
  res.writeHead(303, { Location: to });
  res.end();
}

function loginPage(error: string): string {
  const escaped = error.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kiln — log in</title><link rel="stylesheet" href="/static/style.css"></head>
<body class="login"><main><h1>Kiln farm</h1><form method="post" action="/login" id="login">
<label for="token">Controller token (or its read-only token)</label><input id="token" name="token" type="password" autocomplete="current-password" autofocus required>
<button type="submit">Log in</button>${escaped ? `<p class="error" role="alert">${escaped}</p>` : ""}</form></main></body></html>`;
}
