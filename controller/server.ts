/**
 * `kiln controller` as a library: connects to NATS, creates the farm's resources, serves the Farm
 * gRPC API and runs the background duties (lost jobs, wait timeouts). All state is in NATS, so any
 * number of controllers may run and any may restart.
 */
import { errorMessage } from "../shared/error-message.js";
import { readFile } from "node:fs/promises";
import os from "node:os";
import { Server, ServerCredentials, status, type sendUnaryData, type ServerReadableStream, type ServerUnaryCall, type ServerWritableStream } from "@grpc/grpc-js";
import { connectBus, DEFAULT_OUTPUT_MAX_AGE_MS, ensureFarmResources, isBusOutage, retryOnOutage, settlesWithin, type Bus, type BusConnectOptions } from "../shared/bus/index.js";
import { serveAgentJobRecords } from "./agent-job-records.js";
import { DEFAULT_MAX_BUNDLE_BYTES } from "../shared/bundle/index.js";
import { FarmService, type FarmServer, type SubmitBuildRequest, type SubmitBuildResponse } from "../proto/gen/kiln/v1/farm.js";
import { checkBearerToken, checkTokens, type ControllerTokens } from "./auth.js";
import { getBuild, listAgents, listBuilds } from "./build-queries.js";
import { cancelBuild } from "./cancel-build.js";
import type { ControllerContext, ControllerSettings } from "./context.js";
import { ArtifactLinks } from "./artifact-links.js";
import { downloadArtifact, findArtifactFile } from "./download-artifact.js";
import { encodeArtifactChunk } from "./artifact-chunk-wire.js";
import { encodeBuildOutput } from "./build-output-wire.js";
import { toServiceError, unavailable } from "./errors.js";
import { noQuorumReason } from "./quorum.js";
import { watchLostJobs } from "./lost-jobs.js";
import { BundleCache } from "./bundle-cache.js";
import { ScratchFolder } from "./scratch-folder.js";
import { silentLog, type OperatorLog } from "../shared/operator-log.js";
import { submitBuildStream } from "./submit-build.js";
import { sweepWaitingJobs } from "./wait-timeouts.js";
import { BuildIndex } from "./build-index.js";
import { watchBuild } from "./watch-build.js";
import { controllerMetrics, type ControllerMetrics } from "./web/metrics.js";
import { feedOutputMetrics } from "./web/output-metrics.js";
import { startWebConsole, type RunningWebConsole } from "./web/server.js";

export const DEFAULT_SETTINGS: ControllerSettings = {
  ackWaitMs: 30_000,
  maxDeliver: 3,
  waitTimeoutMs: 3600_000,
  maxBundleBytes: DEFAULT_MAX_BUNDLE_BYTES,
  busOutageMs: 60_000,
  retentionMs: DEFAULT_OUTPUT_MAX_AGE_MS,
};

/** Longest wait for one background duty to stop (the bus may be gone). */
const STOP_STEP_MS = 2_000;

export interface ControllerOptions {
  /** `HOST:PORT` for the gRPC API (port 0: any free port). */
  listen: string;
  nats: Omit<BusConnectOptions, "name">;
  /** Clients must send `authorization: Bearer <token>`; without one the API binds to loopback only. */
  token?: string;
  /** A token that allows every read (API, web console, /metrics) and no change; needs `token`. */
  readOnlyToken?: string;
  tls?: { certFile: string; keyFile: string };
  settings?: Partial<ControllerSettings>;
  /** Agent presence entries expire after this long without a heartbeat (default 15 s). */
  presenceTtlMs?: number;
  /** Replicas of the farm's NATS resources (3 on a 3-node JetStream cluster). Default 1. */
  replicas?: number;
  /** How often waiting jobs are checked against their wait timeout (default 2 s). */
  sweepIntervalMs?: number;
  log?: OperatorLog;
  /** `HOST:PORT` for the web console and /metrics (same token and TLS as the API); unset: none. */
  webListen?: string;
}

export interface RunningController {
  /** `host:port` actually bound. */
  address: string;
  port: number;
  /** `host:port` of the web console, when `webListen` was given. */
  webAddress?: string;
  bus: Bus;
  /** Stops serving (in-flight calls are cancelled), stops background work, closes NATS. */
  stop(): Promise<void>;
}

export async function startController(options: ControllerOptions): Promise<RunningController> {
  const log = options.log ?? silentLog;
  const settings: ControllerSettings = { ...DEFAULT_SETTINGS, ...options.settings };
  const tokens: ControllerTokens = { token: options.token, readOnlyToken: options.readOnlyToken };
  checkTokens(tokens);
  const { host, port } = listenAddress(options.listen, options.token !== undefined, log);
  refuseOpenNats(options.nats);

  const bus = await connectBus({ ...options.nats, name: "kiln-controller" });
  const stopping = new AbortController();
  /** What the start has set going so far: stopped in reverse order when a later step fails. */
  const started: Array<() => Promise<unknown> | void> = [() => bus.close()];
  const abandonStart = async (error: unknown): Promise<never> => {
    stopping.abort();
    for (const stop of started.reverse()) await settlesWithin(Promise.resolve().then(stop).catch(() => undefined), STOP_STEP_MS);
    throw error;
  };

  // Started while a NATS node is down or a leader election runs: ride it out, do not exit.
  await retryOnOutage(
    () =>
      ensureFarmResources(bus.nc, {
        ackWaitMs: settings.ackWaitMs,
        maxDeliver: settings.maxDeliver,
        presenceTtlMs: options.presenceTtlMs ?? 15_000,
        replicas: options.replicas,
        // The stream keeps output at least as long as finished builds are kept (the sweep removes
        // a finished build's output at its retention); with retention 0, forever.
        outputMaxAgeMs: settings.retentionMs === 0 ? 0 : Math.max(settings.retentionMs, DEFAULT_OUTPUT_MAX_AGE_MS),
      }),
    { what: "create the farm's NATS resources" },
  ).catch(abandonStart);
  const scratch = await ScratchFolder.create(log).catch((e: unknown) =>
    abandonStart(new Error(`cannot make the controller's temporary folder in ${os.tmpdir()} (${errorMessage(e)}): set TMPDIR to a writable folder`)),
  );
  started.push(() => scratch.remove());
  const ctx: ControllerContext = { bus, settings, log, bundles: new BundleCache(scratch), scratch, stopping: stopping.signal };
  const lostJobs = await retryOnOutage(() => watchLostJobs(ctx), { what: "watch lost jobs", signal: stopping.signal }).catch(abandonStart);
  started.push(() => lostJobs.stop());
  const index = new BuildIndex(ctx);
  started.push(() => index.stop());
  const sweeper = sweepWaitingJobs(ctx, index, options.sweepIntervalMs ?? 2000);
  started.push(() => sweeper.stop());
  const agentRecords = serveAgentJobRecords({ ...ctx, index });
  started.push(() => agentRecords.stop());

  const server = new Server({
    // SubmitBuild streams the bundle in chunks (1 MiB from kiln); the first message also carries
    // the variables and the environment the template reads.
    "grpc.max_receive_message_length": 16 * 1024 * 1024,
  });
  started.push(() => server.forceShutdown());
  const metrics = controllerMetrics(ctx, index);
  // Links point at the web listener, which starts after the API (its port is known then).
  let web: RunningWebConsole | undefined;
  const links = new ArtifactLinks(() => (web ? { port: web.port, tls: options.tls !== undefined } : undefined));
  // Only the web console serves /metrics: without it the build output is not read for them.
  const outputMetrics = options.webListen !== undefined ? feedOutputMetrics(ctx, index, metrics) : undefined;
  if (outputMetrics) started.push(() => outputMetrics.stop());
  server.addService(FARM_SERVICE, farmHandlers(ctx, tokens, options.nats.url.split(",").filter((u) => u.trim() !== "").length, index, metrics, links));
  const tls = options.tls ? await readTlsFiles(options.tls).catch(abandonStart) : undefined;
  const credentials = tls ? ServerCredentials.createSsl(null, [{ cert_chain: tls.cert, private_key: tls.key }], false) : ServerCredentials.createInsecure();
  const boundPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host.includes(":") ? `[${host}]` : host}:${port}`, credentials, (err, p) => (err ? reject(err) : resolve(p))),
  ).catch((e: unknown) => abandonStart(new Error(`cannot listen on ${host}:${port} (${errorMessage(e)}): check --listen/KILN_LISTEN`)));
  const address = `${host}:${boundPort}`;
  log.info("controller listening", { address, tls: options.tls !== undefined, token: options.token !== undefined, readOnlyToken: options.readOnlyToken !== undefined, nats: options.nats.url });
  if (options.webListen !== undefined) {
    const webListen = options.webListen;
    web = await Promise.resolve()
      .then(() => startWebConsole(ctx, index, metrics, { listen: listenAddress(webListen, options.token !== undefined, log), tokens, links, tls }))
      .catch((e: unknown) =>
      abandonStart(new Error(`cannot serve the web console on ${options.webListen} (${errorMessage(e)}): check --web-listen`)),
    );
    log.info("web console listening", { address: web.address, tls: options.tls !== undefined });
  }

  let stopped = false;
  return {
    address,
    port: boundPort,
    webAddress: web?.address,
    bus,
    async stop() {
      if (stopped) return;
      stopped = true;
      stopping.abort();
      server.forceShutdown();
      await web?.stop();
      // Each step is bounded: with NATS gone, a consumer close or a sweep's KV read would wait
      // for a reconnect that may never come, and an operator's SIGTERM must still stop us.
      const stuck: string[] = [];
      if (!(await settlesWithin(agentRecords.stop(), STOP_STEP_MS))) stuck.push("the agents' job-record service");
      if (!(await settlesWithin(lostJobs.stop(), STOP_STEP_MS))) stuck.push("the lost-jobs consumer");
      if (!(await settlesWithin(sweeper.stop(), STOP_STEP_MS))) stuck.push("the wait-timeout sweep");
      if (outputMetrics && !(await settlesWithin(outputMetrics.stop(), STOP_STEP_MS))) stuck.push("the build output metrics' consumer");
      if (!(await settlesWithin(index.stop(), STOP_STEP_MS))) stuck.push("the build index watch");
      await ctx.bundles.clear();
      await scratch.remove();
      await bus.close();
      if (stuck.length > 0) log.warn("stopped without waiting for NATS (unreachable?)", { abandoned: stuck.join(", ") });
      log.info("controller stopped", { address });
    },
  };
}

/** Every rpc, each behind the token check (changes refused to the read-only token), errors mapped to gRPC statuses. */
function farmHandlers(ctx: ControllerContext, tokens: ControllerTokens, configuredServers: number, index: BuildIndex, metrics: ControllerMetrics, links: ArtifactLinks): FarmServer {
  /** A bus outage on a cluster that lost its majority says so (the client retries either way). */
  async function serviceError(e: unknown): Promise<ReturnType<typeof toServiceError>> {
    if (!isBusOutage(e)) return toServiceError(e);
    const noQuorum = await noQuorumReason({ nc: ctx.bus.nc, jsm: ctx.bus.jsm, configuredServers }, e).catch(() => undefined);
    return toServiceError(noQuorum !== undefined ? unavailable(noQuorum) : e);
  }
  /** `change`: what the call changes, named in the refusal to a read-only caller; unset for reads. */
  function unary<Req, Res>(handle: (request: Req) => Promise<Res>, change?: string) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      (async () => {
        checkBearerToken(call.metadata, tokens, change);
        return handle(call.request);
      })().then(
        (res) => {
          metrics.request("grpc", call.getPath(), "OK");
          callback(null, res);
        },
        (e: unknown) =>
          void serviceError(e).then((err) => {
            metrics.request("grpc", call.getPath(), status[err.code ?? status.UNKNOWN] ?? String(err.code));
            callback(err);
          }),
      );
    };
  }
  function streaming<Req, Res>(handle: (request: Req, call: ServerWritableStream<Req, Res>, signal: AbortSignal) => Promise<void>) {
    return (call: ServerWritableStream<Req, Res>): void => {
      // Ends every wait of the call when the client goes away or the controller stops.
      const gone = new AbortController();
      call.once("cancelled", () => gone.abort());
      const signal = AbortSignal.any([gone.signal, ctx.stopping]);
      (async () => {
        checkBearerToken(call.metadata, tokens);
        await handle(call.request, call, signal);
      })().then(
        () => {
          metrics.request("grpc", call.getPath(), "OK");
          call.end();
        },
        (e: unknown) => {
          void serviceError(e).then((err) => {
            metrics.request("grpc", call.getPath(), status[err.code ?? status.UNKNOWN] ?? String(err.code));
            if (!call.cancelled) call.emit("error", err);
          });
        },
      );
    };
  }
  return {
    submitBuild: (call: ServerReadableStream<SubmitBuildRequest, SubmitBuildResponse>, callback: sendUnaryData<SubmitBuildResponse>): void => {
      (async () => {
        checkBearerToken(call.metadata, tokens, "SubmitBuild");
        return submitBuildStream(ctx, call, index);
      })().then(
        (res) => {
          metrics.request("grpc", call.getPath(), "OK");
          callback(null, res);
        },
        (e: unknown) => {
          // Stop reading what the client still sends: the answer is already decided.
          call.destroy();
          void serviceError(e).then((err) => {
            metrics.request("grpc", call.getPath(), status[err.code ?? status.UNKNOWN] ?? String(err.code));
            callback(err);
          });
        },
      );
    },
    watchBuild: streaming((req, call, signal) => watchBuild(ctx, req, call, signal)),
    cancelBuild: unary(async (req) => ({ build: await cancelBuild(ctx, req) }), "CancelBuild"),
    listBuilds: unary((req) => listBuilds(ctx, req.limit, req.before)),
    getBuild: unary((req) => getBuild(ctx, req.buildId)),
    listAgents: unary(() => listAgents(ctx)),
    downloadArtifact: streaming((req, call) => downloadArtifact(ctx, req, call)),
    artifactLink: unary(async (req) => {
      await findArtifactFile(ctx, req);
      return links.link(req);
    }),
  };
}

/** The certificate and key files, read once for the API and the web console. */
async function readTlsFiles(files: { certFile: string; keyFile: string }): Promise<{ cert: Buffer; key: Buffer }> {
  try {
    return { cert: await readFile(files.certFile), key: await readFile(files.keyFile) };
  } catch (e) {
    throw new Error(`cannot read the TLS certificate or key (${errorMessage(e)}): check --tls-cert and --tls-key`);
  }
}

/** The generated service with DownloadArtifact's chunks and WatchBuild's log batches encoded without the generated copies. */
const FARM_SERVICE = {
  ...FarmService,
  downloadArtifact: { ...FarmService.downloadArtifact, responseSerialize: encodeArtifactChunk },
  watchBuild: { ...FarmService.watchBuild, responseSerialize: encodeBuildOutput },
};

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** `HOST:PORT` → parts; without a token the API is only offered on loopback, and the log says so. */
function listenAddress(listen: string, hasToken: boolean, log: OperatorLog): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen.trim());
  if (!m) throw new Error(`--listen "${listen}" is not HOST:PORT (for example 0.0.0.0:7420 or 127.0.0.1:7420)`);
  const host = m[1] ?? m[2] ?? "";
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`--listen "${listen}": port ${port} is out of range`);
  if (!hasToken && !LOOPBACK.has(host)) {
    log.warn("no --token (KILN_TOKEN) configured: listening on loopback only; set a token to accept other hosts", { requested: listen });
    return { host: "127.0.0.1", port };
  }
  if (!hasToken) log.warn("no --token (KILN_TOKEN) configured: the API is open to anyone on this host (loopback only)");
  return { host: host === "" ? "0.0.0.0" : host, port };
}

/** Without NATS credentials, only a NATS server on this host is used (anyone could read a remote one's traffic). */
function refuseOpenNats(nats: ControllerOptions["nats"]): void {
  if (nats.user !== undefined || nats.credsFile !== undefined) return;
  for (const server of nats.url.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    const host = /^(?:[a-z]+:\/\/)?(?:\[([^\]]+)\]|([^:/]+))/i.exec(server);
    const name = host?.[1] ?? host?.[2] ?? "";
    if (!LOOPBACK.has(name)) {
      throw new Error(`no NATS credentials configured, so the controller only connects to a NATS server on this host, not ${server}: set --nats-user/--nats-password or --nats-creds (KILN_NATS_USER/KILN_NATS_PASSWORD, KILN_NATS_CREDS)`);
    }
  }
}
