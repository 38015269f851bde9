/**
 * The client's connection to a `kiln controller`: address, bearer token, TLS, and errors that
 * say what to do. Every farm command (build --controller, submit, builds, logs, artifacts,
 * agents, cancel) connects through here.
 */
import { errorMessage } from "../../shared/error-message.js";
import { readFileSync } from "node:fs";
import { credentials, Metadata, status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import {
  FarmClient,
  type ArtifactChunk,
  type ArtifactLinkResponse,
  type Build,
  type BuildOutput,
  type CancelBuildResponse,
  type DownloadArtifactRequest,
  type ListAgentsResponse,
  type ListBuildsResponse,
  type SubmitBuildRequest,
  type SubmitBuildResponse,
  type WatchBuildRequest,
} from "../../proto/gen/kiln/v1/farm.js";
import type { ParsedFlags } from "../flags.js";
import { submitBuildStreamed } from "./submit-stream.js";
import { sleep } from "../../shared/sleep.js";


/** A problem talking to the controller, worded for the user. */
export class FarmClientError extends Error {
  constructor(message: string, readonly code?: status) {
    super(message);
    this.name = "FarmClientError";
  }
}

export interface FarmConnectionOptions {
  address: string;
  token?: string;
  /** PEM file of the CA that signed the controller's certificate. */
  tlsCa?: string;
  /** Where to say that the connection is not encrypted. */
  warn: (text: string) => void;
}

/** How much the controller may send before this client has read it (per connection and call). */
const FLOW_CONTROL_WINDOW_BYTES = 16 * 1024 * 1024;

/** The farm API as promises and streams, with the token attached to every call. */
export class FarmConnection {
  private readonly client: FarmClient;
  /** The CA that signed the controller's certificate (PEM), when the API is reached over TLS. */
  readonly tlsCaPem: Buffer | undefined;

  constructor(readonly options: FarmConnectionOptions) {
    let creds;
    if (options.tlsCa) {
      let ca: Buffer;
      try {
        ca = readFileSync(options.tlsCa);
      } catch (e) {
        throw new FarmClientError(`--tls-ca ${options.tlsCa}: cannot read it (${(e as Error).message})`);
      }
      creds = credentials.createSsl(ca);
      this.tlsCaPem = ca;
    } else {
      if (!isLoopback(options.address)) {
        options.warn(`kiln: connecting to ${options.address} without TLS (no --tls-ca / KILN_TLS_CA): the token, templates and artifacts travel unencrypted.`);
      }
      creds = credentials.createInsecure();
    }
    this.client = new FarmClient(options.address, creds, {
      // Bundles and their refusals can be large; the controller sets its own limit.
      "grpc.max_send_message_length": -1,
      "grpc.max_receive_message_length": 64 * 1024 * 1024,
      // HTTP/2's default 64 KiB receive window made every 64 KiB of an artifact download or a
      // log stream wait for a window update from this process: ~40 MB/s at best (bench/farm).
      "grpc-node.flow_control_window": FLOW_CONTROL_WINDOW_BYTES,
    });
  }

  metadata(): Metadata {
    const m = new Metadata();
    if (this.options.token) m.set("authorization", `Bearer ${this.options.token}`);
    return m;
  }

  submitBuild(req: SubmitBuildRequest): Promise<SubmitBuildResponse> {
    return submitBuildStreamed(this.client, req, this.metadata()).catch((e: unknown) => {
      throw this.explain(e);
    });
  }
  // These four are safe to ask again (cancel only sets a flag), so they ride out a bus outage.
  cancelBuild(buildId: string): Promise<CancelBuildResponse> {
    return this.unary((cb) => this.client.cancelBuild({ buildId }, this.metadata(), cb), true);
  }
  getBuild(buildId: string): Promise<Build> {
    return this.unary((cb) => this.client.getBuild({ buildId }, this.metadata(), cb), true);
  }
  listBuilds(limit = 0, before = ""): Promise<ListBuildsResponse> {
    return this.unary((cb) => this.client.listBuilds({ limit, before }, this.metadata(), cb), true);
  }
  listAgents(): Promise<ListAgentsResponse> {
    return this.unary((cb) => this.client.listAgents({}, this.metadata(), cb), true);
  }
  watchBuild(req: WatchBuildRequest): ClientReadableStream<BuildOutput> {
    return this.client.watchBuild(req, this.metadata());
  }
  downloadArtifact(req: DownloadArtifactRequest): ClientReadableStream<ArtifactChunk> {
    return this.client.downloadArtifact(req, this.metadata());
  }
  /** Rejects with the raw ServiceError (UNIMPLEMENTED from a controller older than links). */
  artifactLink(req: DownloadArtifactRequest): Promise<ArtifactLinkResponse> {
    return new Promise((resolve, reject) => this.client.artifactLink(req, this.metadata(), (err, res) => (err ? reject(err) : resolve(res))));
  }
  /** The controller's host as this client reaches it (no port, no brackets). */
  get host(): string {
    return hostOf(this.options.address);
  }

  close(): void {
    this.client.close();
  }

  /** A failed call as the user should read it. */
  explain(e: unknown): FarmClientError {
    return explainRpcError(e, this.options.address);
  }

  /**
   * A unary call as a promise. `retryOnBusOutage`: when the controller answers that its NATS is
   * away (UNAVAILABLE with the kiln-bus-outage trailer: it is up, its bus is restarting), ask
   * again with backoff for up to BUS_OUTAGE_RETRY_MS. An unreachable controller fails at once.
   */
  private async unary<T>(call: (cb: (err: ServiceError | null, res: T) => void) => void, retryOnBusOutage = false): Promise<T> {
    const until = Date.now() + BUS_OUTAGE_RETRY_MS;
    for (let pause = 200; ; pause = Math.min(pause * 2, 3000)) {
      try {
        return await new Promise<T>((resolve, reject) => call((err, res) => (err ? reject(err) : resolve(res))));
      } catch (e) {
        if (!retryOnBusOutage || !isBusOutageAnswer(e) || Date.now() + pause > until) throw this.explain(e);
        await sleep(pause);
      }
    }
  }
}

/** How long idempotent calls keep asking a controller whose NATS is away. */
const BUS_OUTAGE_RETRY_MS = 60_000;

/** The controller answered, saying its bus is away (see controller/errors.ts). */
export function isBusOutageAnswer(e: unknown): boolean {
  return isServiceError(e) && e.code === status.UNAVAILABLE && e.metadata?.get("kiln-bus-outage").length > 0;
}

/** Reads --controller/--token/--tls-ca (or their environment variables). */
export function connectFromFlags(flags: ParsedFlags, warn: (text: string) => void): FarmConnection {
  const address = flags.strings.controller;
  if (!address) throw new FarmClientError("no controller given: pass --controller HOST:PORT or set KILN_CONTROLLER");
  if (!/^[^\s/]+:\d+$/.test(address)) throw new FarmClientError(`--controller "${address}": expected HOST:PORT, e.g. build-farm.example.com:7070`);
  return new FarmConnection({ address, token: flags.strings.token || undefined, tlsCa: flags.strings["tls-ca"] || undefined, warn });
}

export function isServiceError(e: unknown): e is ServiceError {
  return typeof e === "object" && e !== null && "code" in e && typeof (e as { code: unknown }).code === "number" && "details" in e;
}

export function explainRpcError(e: unknown, address: string): FarmClientError {
  if (e instanceof FarmClientError) return e;
  if (!isServiceError(e)) return new FarmClientError(errorMessage(e));
  switch (e.code) {
    case status.UNAVAILABLE:
      if (isBusOutageAnswer(e)) return new FarmClientError(`the controller at ${address} cannot reach the farm's NATS (${e.details}); try again once NATS is back`, e.code);
      return new FarmClientError(`cannot reach the controller at ${address} (${e.details}): is \`kiln controller\` running there? (--controller / KILN_CONTROLLER)`, e.code);
    case status.UNAUTHENTICATED:
      return new FarmClientError("the controller refused the token: check --token/KILN_TOKEN", e.code);
    case status.PERMISSION_DENIED:
      return new FarmClientError(`the controller refused the request: ${e.details}`, e.code);
    case status.DEADLINE_EXCEEDED:
      return new FarmClientError(`the controller at ${address} did not answer in time`, e.code);
    default:
      return new FarmClientError(e.details || e.message, e.code);
  }
}

/** HOST of HOST:PORT, without IPv6 brackets. */
function hostOf(address: string): string {
  return address.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
}

function isLoopback(address: string): boolean {
  const host = hostOf(address);
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

/**
 * Runs a farm command's work with a connection from its flags; connection and call failures are
 * printed (to stderr, worded for the user) and exit 1.
 */
export async function withFarmConnection(
  flags: ParsedFlags,
  io: { stderr: { write(s: string): unknown } },
  work: (conn: FarmConnection) => Promise<number>,
): Promise<number> {
  let conn: FarmConnection;
  try {
    conn = connectFromFlags(flags, (t) => io.stderr.write(`${t}\n`));
  } catch (e) {
    if (!(e instanceof FarmClientError)) throw e;
    io.stderr.write(`${e.message}\n`);
    return 1;
  }
  try {
    return await work(conn);
  } catch (e) {
    io.stderr.write(`${conn.explain(e).message}\n`);
    return 1;
  } finally {
    conn.close();
  }
}
