/**
 * Creates the farm's JetStream resources, idempotently: several controllers may start at once,
 * and a restart with changed settings (ack wait, presence TTL, output retention) updates what
 * JetStream lets us change in place. Settings JetStream cannot change (retention, storage) are
 * reported with what to do instead of silently kept.
 */
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerInfo,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import { nanos, type NatsConnection } from "@nats-io/transport-node";
import {
  AGENTS_BUCKET,
  ARTIFACTS_STORE,
  BUILD_OUTPUT_STREAM,
  BUILD_OUTPUT_SUBJECTS,
  BUILDS_BUCKET,
  BUNDLES_STORE,
  JOBS_STREAM,
  JOBS_SUBJECTS,
  jobConsumer,
  LOST_JOBS_CONSUMER,
  LOST_JOBS_STREAM,
  LOST_JOBS_SUBJECTS,
  jobSubject,
} from "./names.js";
import { objectStoreStreamName } from "./object-purge.js";

export interface FarmResourceOptions {
  /** How long a job may go without an ack or in-progress ack before it is redelivered. */
  ackWaitMs: number;
  /** Deliveries of a job before JetStream gives up on it (MAX_DELIVERIES advisory). */
  maxDeliver: number;
  /** Agent presence entries expire after this long without a heartbeat. */
  presenceTtlMs: number;
  /** JetStream replicas of every stream (1 on a single server, 3 on a 3-node cluster). */
  replicas?: number;
  /** How long build output (logs, events) is kept; default 7 days. */
  outputMaxAgeMs?: number;
}

export interface JobConsumerOptions {
  ackWaitMs: number;
  maxDeliver: number;
}

/** A resource exists with settings JetStream cannot change in place. */
export class FarmResourceError extends Error {
  override readonly name = "FarmResourceError";
}

export const DEFAULT_OUTPUT_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

/** Stream names behind the KV buckets and object stores (fixed by the NATS client conventions). */
/** The stream behind a KV bucket. */
export const kvStreamName = (bucket: string): string => `KV_${bucket}`;

export async function ensureFarmResources(nc: NatsConnection, opts: FarmResourceOptions): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const replicas = opts.replicas ?? 1;

  await Promise.all([
    ensureStream(jsm, {
      name: JOBS_STREAM,
      subjects: [JOBS_SUBJECTS],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: replicas,
      description: "Kiln build jobs, one subject per builder type; consumed once by an agent",
    }),
    ensureStream(jsm, {
      name: BUILD_OUTPUT_STREAM,
      subjects: [BUILD_OUTPUT_SUBJECTS],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: replicas,
      max_age: nanos(opts.outputMaxAgeMs ?? DEFAULT_OUTPUT_MAX_AGE_MS),
      description: "Kiln build output: log lines and events of every build, replayable",
    }),
    ensureStream(jsm, {
      name: LOST_JOBS_STREAM,
      subjects: [LOST_JOBS_SUBJECTS],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: replicas,
      max_age: nanos(opts.outputMaxAgeMs ?? DEFAULT_OUTPUT_MAX_AGE_MS),
      description: "JetStream's MAX_DELIVERIES advisories for Kiln jobs, until a controller marks the job failed",
    }).then(() => ensureLostJobsConsumer(jsm)),
    ensureKv(nc, jsm, BUILDS_BUCKET, { history: 1, replicas, description: "Kiln build and job records" }),
    ensureKv(nc, jsm, AGENTS_BUCKET, { history: 1, replicas, ttlMs: opts.presenceTtlMs, description: "Kiln agent presence" }),
    ensureObjectStore(nc, jsm, BUNDLES_STORE, replicas, "Kiln template bundles, named by sha256"),
    ensureObjectStore(nc, jsm, ARTIFACTS_STORE, replicas, "Kiln artifact files"),
  ]);
}

async function ensureLostJobsConsumer(jsm: JetStreamManager): Promise<void> {
  try {
    await jsm.consumers.info(LOST_JOBS_STREAM, LOST_JOBS_CONSUMER);
  } catch (err) {
    if (!isConsumerNotFound(err)) throw err;
    await jsm.consumers.add(LOST_JOBS_STREAM, {
      durable_name: LOST_JOBS_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(30_000),
      description: "Kiln controllers: lost jobs to mark failed",
    }).catch(async (e: unknown) => {
      // Another controller created it at the same moment.
      await jsm.consumers.info(LOST_JOBS_STREAM, LOST_JOBS_CONSUMER).catch(() => {
        throw e;
      });
    });
  }
}

/** The durable pull consumer `jobs-<queue>` on `kiln.jobs.<queue>`: one per job queue (builder type, host needs, labels, priority; NATS 2.9 has no multi-subject filters). */
export async function ensureJobConsumer(jsm: JetStreamManager, queue: string, opts: JobConsumerOptions): Promise<ConsumerInfo> {
  const durable = jobConsumer(queue);
  const wanted = {
    durable_name: durable,
    filter_subject: jobSubject(queue),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(opts.ackWaitMs),
    max_deliver: opts.maxDeliver,
    description: `Kiln jobs of queue ${queue} (builder type, then host needs)`,
  };
  let existing: ConsumerInfo | undefined;
  try {
    existing = await jsm.consumers.info(JOBS_STREAM, durable);
  } catch (err) {
    if (isStreamNotFound(err)) throw missingJobsStream(err);
    if (!isConsumerNotFound(err)) throw err;
  }
  if (existing === undefined) {
    try {
      return await jsm.consumers.add(JOBS_STREAM, wanted);
    } catch (err) {
      if (isStreamNotFound(err)) throw missingJobsStream(err);
      // Another process created it first, possibly with other settings: fall through to compare.
      existing = await jsm.consumers.info(JOBS_STREAM, durable).catch(() => {
        throw err;
      });
    }
  }
  if (existing.config.ack_wait === wanted.ack_wait && existing.config.max_deliver === wanted.max_deliver) return existing;
  return jsm.consumers.update(JOBS_STREAM, durable, { ack_wait: wanted.ack_wait, max_deliver: wanted.max_deliver, description: wanted.description });
}

/**
 * Which farm resources do not exist yet (empty when all do). Agents, which may not create them,
 * use it to say "start the controller first" instead of failing on the first publish.
 */
export async function missingFarmResources(jsm: JetStreamManager): Promise<string[]> {
  const expected: Array<[string, string]> = [
    [JOBS_STREAM, `stream ${JOBS_STREAM}`],
    [BUILD_OUTPUT_STREAM, `stream ${BUILD_OUTPUT_STREAM}`],
    [kvStreamName(BUILDS_BUCKET), `KV bucket ${BUILDS_BUCKET}`],
    [kvStreamName(AGENTS_BUCKET), `KV bucket ${AGENTS_BUCKET}`],
    [objectStoreStreamName(BUNDLES_STORE), `object store ${BUNDLES_STORE}`],
    [objectStoreStreamName(ARTIFACTS_STORE), `object store ${ARTIFACTS_STORE}`],
  ];
  const missing: string[] = [];
  for (const [stream, label] of expected) {
    try {
      await jsm.streams.info(stream);
    } catch (err) {
      if (!isStreamNotFound(err)) throw err;
      missing.push(label);
    }
  }
  return missing;
}

type WantedStream = Partial<StreamConfig> & Pick<StreamConfig, "name" | "subjects" | "retention" | "storage" | "num_replicas">;

async function ensureStream(jsm: JetStreamManager, wanted: WantedStream): Promise<StreamInfo> {
  let info = await streamInfo(jsm, wanted.name);
  if (info === undefined) {
    try {
      return await jsm.streams.add(wanted);
    } catch (err) {
      // Lost a creation race against another process with other settings; compare below.
      info = await streamInfo(jsm, wanted.name);
      if (info === undefined) throw err;
    }
  }
  const have = info.config;
  for (const key of ["retention", "storage"] as const) {
    if (have[key] !== wanted[key]) {
      throw new FarmResourceError(
        `stream ${wanted.name} exists with ${key} "${have[key]}" but Kiln needs "${wanted[key]}"; JetStream cannot change that in place: ` +
          `delete it (nats stream rm ${wanted.name}) once no build is running, and restart the controller`,
      );
    }
  }
  const changes: Partial<StreamConfig> = {};
  if (!sameSubjects(have.subjects, wanted.subjects)) changes.subjects = [...new Set([...(have.subjects ?? []), ...wanted.subjects])];
  if (have.num_replicas !== wanted.num_replicas) changes.num_replicas = wanted.num_replicas;
  if (wanted.max_age !== undefined && have.max_age !== wanted.max_age) Object.assign(changes, maxAgeChange(have, wanted.max_age));
  if (Object.keys(changes).length === 0) return info;
  return jsm.streams.update(wanted.name, { ...have, ...changes });
}

async function ensureKv(
  nc: NatsConnection,
  jsm: JetStreamManager,
  bucket: string,
  opts: { history: number; replicas: number; ttlMs?: number; description: string },
): Promise<void> {
  const kvm = new Kvm(nc);
  await retryOnCreationRace(() =>
    kvm.create(bucket, {
      history: opts.history,
      replicas: opts.replicas,
      ...(opts.ttlMs !== undefined ? { ttl: opts.ttlMs } : {}),
      storage: StorageType.File,
      description: opts.description,
    }),
  );
  // `create` opens an existing bucket as it is: bring the settings we own up to date.
  const stream = kvStreamName(bucket);
  const info = await jsm.streams.info(stream);
  const changes: Partial<StreamConfig> = {};
  if (info.config.max_msgs_per_subject !== opts.history) changes.max_msgs_per_subject = opts.history;
  if (info.config.num_replicas !== opts.replicas) changes.num_replicas = opts.replicas;
  const maxAge = opts.ttlMs !== undefined ? nanos(opts.ttlMs) : 0;
  if (info.config.max_age !== maxAge) Object.assign(changes, maxAgeChange(info.config, maxAge));
  if (Object.keys(changes).length > 0) await jsm.streams.update(stream, { ...info.config, ...changes });
}

async function ensureObjectStore(nc: NatsConnection, jsm: JetStreamManager, store: string, replicas: number, description: string): Promise<void> {
  const objm = new Objm(nc);
  await retryOnCreationRace(() => objm.create(store, { replicas, storage: StorageType.File, description }));
  const stream = objectStoreStreamName(store);
  const info = await jsm.streams.info(stream);
  if (info.config.num_replicas !== replicas) await jsm.streams.update(stream, { ...info.config, num_replicas: replicas });
}

/** JetStream refuses a duplicate window longer than the max age: shrink it along (0 = no age limit). */
function maxAgeChange(have: StreamConfig, maxAge: number): Partial<StreamConfig> {
  if (maxAge > 0 && have.duplicate_window > maxAge) return { max_age: maxAge, duplicate_window: maxAge };
  return { max_age: maxAge };
}

/**
 * The client's create does "info, then add if not found": two processes can both see "not found"
 * and the slower add fails if the configs differ in any detail. The second attempt finds it.
 */
async function retryOnCreationRace<T>(create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch {
    return create();
  }
}

async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (err) {
    if (isStreamNotFound(err)) return undefined;
    throw err;
  }
}

function sameSubjects(have: string[] | undefined, wanted: string[]): boolean {
  return wanted.every((s) => (have ?? []).includes(s));
}

function isStreamNotFound(err: unknown): boolean {
  return (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) || (err instanceof Error && err.message === "stream not found");
}

function isConsumerNotFound(err: unknown): boolean {
  return (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound) || (err instanceof Error && err.message === "consumer not found");
}

function missingJobsStream(cause: unknown): FarmResourceError {
  return new FarmResourceError(`stream ${JOBS_STREAM} does not exist: start kiln controller first (it creates the farm's streams and buckets)`, {
    cause,
  });
}
