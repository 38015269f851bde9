/**
 * One connection to the farm's NATS: the core connection, JetStream, and handles on the KV
 * buckets and object stores every farm process uses. Handles are bound by name without a round
 * trip, so connecting works before the controller has created the resources (`ensureFarmResources`);
 * `missingFarmResources` tells an agent what is not there yet.
 */
import { errorMessage } from "../error-message.js";
import { readFile } from "node:fs/promises";
import {
  connect,
  credsAuthenticator,
  nkeyAuthenticator,
  AuthorizationError,
  type Authenticator,
  type ConnectionOptions,
  type NatsConnection,
} from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { Objm, type ObjectStore } from "@nats-io/obj";
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { reasonOf } from "./outage.js";
import { retryOnOutage } from "./retry.js";
import { AGENTS_BUCKET, ARTIFACT_READER_INBOX_PREFIX, ARTIFACTS_STORE, BUILDS_BUCKET, BUNDLES_STORE } from "./names.js";
import { settlesWithin } from "./retry.js";
import type { ObjectSource } from "./object-get.js";

/** How long close() lets a drain flush before it closes anyway. */
const CLOSE_DRAIN_MS = 3_000;

export interface BusConnectOptions {
  /** One URL or several separated by commas (the servers of a cluster). */
  url: string;
  user?: string;
  password?: string;
  /** A NATS `.creds` file (JWT + nkey seed) or a plain nkey seed file (`SU…`). */
  credsFile?: string;
  /** Shown by the server's monitoring pages: say which process this is (`kiln-agent host-1`). */
  name: string;
  /** How long to try the first connection, default 10 s. Reconnects after that never give up. */
  connectTimeoutMs?: number;
  /**
   * Prefix of this connection's reply subjects (default `_INBOX`). An agent uses its own
   * (`agentInboxPrefix`) so its NATS user may subscribe to its replies and no one else's.
   */
  inboxPrefix?: string;
  /** A short-lived client: no reconnecting once the connection is lost (it falls back to another way). */
  giveUpAfterFirstTry?: boolean;
}

export interface Bus {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** KV `kiln_builds`: `build.<id>` and `job.<id>.<i>` records. */
  builds: KV;
  /** KV `kiln_agents`: `agent.<name>` presence. */
  agents: KV;
  /** Object store `kiln_bundles`: template bundles named by sha256. */
  bundles: ObjectStore;
  /** Object store `kiln_artifacts`: artifact files. */
  artifacts: ObjectStore;
  /** The two object stores as getObject reads them. */
  bundleSource: ObjectSource;
  artifactSource: ObjectSource;
  /** Drains the connection (pending publishes are flushed) and closes it. */
  close(): Promise<void>;
}

/** Connecting failed; the message names the URL and what to check. */
export class BusConnectError extends Error {
  override readonly name = "BusConnectError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A connection with the options every Kiln process uses (reconnect forever, credentials, inbox prefix). */
async function connectNats(options: BusConnectOptions): Promise<{ nc: NatsConnection; servers: string[] }> {
  const servers = splitServers(options.url);
  const connectionOptions: ConnectionOptions = {
    servers,
    name: options.name,
    // A farm process outlives server restarts: keep reconnecting forever, JetStream state is on disk.
    maxReconnectAttempts: options.giveUpAfterFirstTry === true ? 0 : -1,
    reconnectTimeWait: 500,
    timeout: options.connectTimeoutMs ?? 10_000,
    // The client otherwise makes an Error (with a stack) for every request up front, to point at
    // the caller should it fail: measured at ~5 % of an agent's CPU per job in bench/farm.
    noAsyncTraces: true,
    ...(options.inboxPrefix !== undefined ? { inboxPrefix: options.inboxPrefix } : {}),
  };
  if (options.credsFile !== undefined) {
    connectionOptions.authenticator = await authenticatorFromFile(options.credsFile);
  } else if (options.user !== undefined) {
    connectionOptions.user = options.user;
    connectionOptions.pass = options.password ?? "";
  }

  for (let attempt = 1; ; attempt++) {
    try {
      return { nc: await connect(connectionOptions), servers };
    } catch (err) {
      // nats-server drops a client whose login came later than its auth_timeout (2 s): on a
      // loaded host that is a slow process, not wrong credentials (a CI run's test, under two
      // QEMU guests, was told its password was refused). Try again a few times.
      if (isAuthTimeout(err) && attempt < AUTH_TIMEOUT_TRIES) continue;
      throw explainConnectFailure(err, options, servers);
    }
  }
}

export async function connectBus(options: BusConnectOptions): Promise<Bus> {
  const { nc, servers } = await connectNats(options);
  try {
    const js = jetstream(nc);
    // jetstreamManager asks JetStream for the account's info. On a cluster that is losing a node
    // (leader election) it times out for a few seconds: ride that out rather than exit.
    // A server without JetStream answers "not enabled" at once: that one is not retried.
    const jsm = await retryOnOutage(() => jetstreamManager(nc).catch((e: unknown) => Promise.reject(isJetStreamNotEnabled(e) ? new JetStreamMissingError(reasonOf(e)) : e)), {
      what: "reach JetStream",
      // A node lost with the meta leader on it takes more than one request timeout to elect another.
      deadlineMs: Math.max(options.connectTimeoutMs ?? 10_000, 60_000),
    });
    const kvm = new Kvm(js);
    const objm = new Objm(js);
    const [builds, agents, bundles, artifacts] = await Promise.all([
      kvm.open(BUILDS_BUCKET),
      kvm.open(AGENTS_BUCKET),
      objm.open(BUNDLES_STORE, false),
      objm.open(ARTIFACTS_STORE, false),
    ]);
    return {
      nc,
      js,
      jsm,
      builds,
      agents,
      bundles,
      artifacts,
      bundleSource: { js, store: bundles, bucket: BUNDLES_STORE },
      artifactSource: { js, store: artifacts, bucket: ARTIFACTS_STORE },
      close: () => closeNats(nc),
    };
  } catch (err) {
    await nc.close().catch(() => undefined);
    const reason = errorMessage(err);
    throw new BusConnectError(
      `connected to NATS at ${servers.join(",")} but JetStream is not usable (${reason}): start nats-server with JetStream enabled (-js, or "jetstream {}" in its config)` +
        (servers.length > 1 ? "; on a cluster, check that a majority of its nodes is up (JetStream needs a quorum)" : ""),
      { cause: err },
    );
  }
}

async function closeNats(nc: NatsConnection): Promise<void> {
  if (nc.isClosed()) return;
  // Draining flushes pending publishes, but with the server gone it waits for a reconnect
  // that may never come: give it a few seconds, then just close.
  if (!(await settlesWithin(nc.drain(), CLOSE_DRAIN_MS))) await nc.close().catch(() => undefined);
  else if (!nc.isClosed()) await nc.close().catch(() => undefined);
}

/** Read access to the artifacts store alone: what a client that fetches artifact files needs. */
export interface ArtifactStoreConnection {
  nc: NatsConnection;
  js: JetStreamClient;
  artifacts: ObjectStore;
  /** The store as getObject reads it. */
  artifactSource: ObjectSource;
  close(): Promise<void>;
}

/**
 * Connects for reading artifact files straight from the store (`kiln artifacts --download` with
 * --nats). Unlike connectBus it asks nothing of JetStream up front (a reader's NATS user may only
 * read the artifacts store: deploy/nats/make-auth-conf.sh --artifact-reader), and it gives up on
 * an unreachable server after its first try instead of reconnecting forever.
 */
export async function connectArtifactStore(options: BusConnectOptions): Promise<ArtifactStoreConnection> {
  const { nc } = await connectNats({ ...options, inboxPrefix: ARTIFACT_READER_INBOX_PREFIX, giveUpAfterFirstTry: true });
  // checkAPI off: the store's handle would otherwise ask for the account's JetStream info, which a reader may not.
  const js = jetstream(nc, { checkAPI: false });
  const artifacts = await new Objm(js).open(ARTIFACTS_STORE, false);
  return { nc, js, artifacts, artifactSource: { js, store: artifacts, bucket: ARTIFACTS_STORE }, close: () => closeNats(nc) };
}

/** The server answered that JetStream is off (not an outage to wait out). */
class JetStreamMissingError extends Error {
  override readonly name = "JetStreamMissingError";
}

function isJetStreamNotEnabled(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e.name === "JetStreamNotEnabled") return true;
  return e instanceof JetStreamApiError && (e.code === JetStreamApiCodes.JetStreamNotEnabledForAccount);
}

function splitServers(url: string): string[] {
  const servers = url
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (servers.length === 0) throw new BusConnectError("no NATS URL given: set --nats or KILN_NATS_URL (for example nats://127.0.0.1:4222)");
  return servers;
}

async function authenticatorFromFile(file: string): Promise<Authenticator> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const reason = errorMessage(err);
    throw new BusConnectError(`cannot read the NATS credentials file ${file} (${reason}): check --nats-creds/KILN_NATS_CREDS`, { cause: err });
  }
  if (text.includes("BEGIN NATS USER JWT")) return credsAuthenticator(new TextEncoder().encode(text));
  // A bare nkey seed file: the first line starting with "SU" (a user seed). Comments are allowed.
  const seed = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l.startsWith("SU"));
  if (seed === undefined) {
    throw new BusConnectError(
      `${file} is neither a NATS .creds file nor an nkey user seed (a line starting with "SU"): check --nats-creds/KILN_NATS_CREDS`,
    );
  }
  return nkeyAuthenticator(new TextEncoder().encode(seed));
}

const AUTH_TIMEOUT_TRIES = 5;

function isAuthTimeout(err: unknown): boolean {
  return /authentication timeout/i.test(errorMessage(err));
}

function explainConnectFailure(err: unknown, options: BusConnectOptions, servers: string[]): BusConnectError {
  const where = servers.join(",");
  const reason = errorMessage(err);
  if (isAuthTimeout(err)) {
    return new BusConnectError(`NATS at ${where} closed the connection before the login finished, ${AUTH_TIMEOUT_TRIES} times (Authentication Timeout): this host or the server is overloaded`, { cause: err });
  }
  const isAuth = err instanceof AuthorizationError || /authorization|authentication/i.test(reason);
  if (isAuth) {
    if (options.credsFile !== undefined) {
      return new BusConnectError(`NATS refused the credentials in ${options.credsFile} at ${where}: check --nats-creds/KILN_NATS_CREDS`, { cause: err });
    }
    if (options.user !== undefined) {
      return new BusConnectError(
        `NATS refused the credentials for user ${options.user} at ${where}: check --nats-user/--nats-password (KILN_NATS_USER/KILN_NATS_PASSWORD)`,
        { cause: err },
      );
    }
    return new BusConnectError(
      `NATS at ${where} requires credentials: set --nats-user/--nats-password (KILN_NATS_USER/KILN_NATS_PASSWORD) or --nats-creds (KILN_NATS_CREDS)`,
      { cause: err },
    );
  }
  return new BusConnectError(`cannot reach NATS at ${where} (${reason}): check --nats/KILN_NATS_URL and that nats-server is running`, {
    cause: err,
  });
}
