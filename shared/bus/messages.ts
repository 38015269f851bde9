/**
 * The messages controller and agents exchange over NATS, with their schemas. Every message is
 * checked when decoded (`decode*`): a malformed one raises BusDecodeError, which callers log and
 * drop (or dead-letter); it never crashes a process.
 */
import { z } from "zod";
import { SUBJECT_TOKEN_PATTERN } from "./names.js";
import { LABEL_PATTERN, MAX_LABELS, PRIORITIES } from "../plan/build-policy/placement.js";

/**
 * Values that become NATS subject tokens and file names (build ids, builder and plugin types,
 * agent names): refused when decoded, so no code past the decoder meets `a.b.>` or `../x`.
 */
const subjectTokenField = z.string().regex(SUBJECT_TOKEN_PATTERN, "must be 1 to 128 letters, digits, _ or - (it becomes a NATS subject token and a file name)");

/** A path inside a folder the agent made (the bundle): relative, "/"-separated, no `..`, no NUL. */
const pathInsideField = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes("\0") && !p.startsWith("/") && !/^[A-Za-z]:/.test(p) && !p.replace(/\\/g, "/").split("/").includes(".."), {
    message: "must be a relative path inside the bundle (no leading /, no .., no NUL)",
  });

/** A name people read (build names: Packer allows almost anything) that must not carry control characters into logs or files. */
const displayNameField = z.string().min(1).max(1024).regex(/^[^\u0000-\u001f\u007f]+$/, "must not contain control characters");

const rawComponent = z.object({
  type: subjectTokenField,
  config: z.record(z.string(), z.unknown()),
  position: z.object({ file: z.string(), line: z.number(), column: z.number() }).optional(),
  keyPositions: z.record(z.string(), z.object({ file: z.string(), line: z.number(), column: z.number() })).optional(),
});

const plannedProvisioner = z.object({
  type: subjectTokenField,
  raw: rawComponent,
  pauseBeforeMs: z.number(),
  maxRetries: z.number(),
  timeoutMs: z.number(),
});

const plannedPostProcessor = z.object({
  type: subjectTokenField,
  name: z.string().optional(),
  raw: rawComponent,
  keepInputArtifact: z.boolean().optional(),
});

export const buildSpecSchema = z.object({
  name: displayNameField,
  builder: rawComponent,
  provisioners: z.array(plannedProvisioner),
  errorCleanupProvisioner: plannedProvisioner.optional(),
  postProcessorChains: z.array(z.array(plannedPostProcessor)),
  variables: z.record(z.string(), z.string()),
  declaredVariables: z.array(z.string()),
  sensitiveValues: z.array(z.string()),
  template: z.object({ displayPath: z.string(), path: z.string() }),
  files: z.array(z.string()),
  initTime: z.string(),
  runUuid: z.string(),
  /** Kiln's retries and deadline (shared/plan/build-policy); the agent runs the attempts. */
  policy: z
    .object({
      retries: z.number().int().min(0).max(100),
      retryOn: z.string().min(1).max(4096).optional(),
      timeoutMs: z.number().int().positive().optional(),
      labels: z.array(z.string().regex(LABEL_PATTERN)).max(MAX_LABELS).optional(),
      priority: z.enum(PRIORITIES).optional(),
    })
    .optional(),
});

/**
 * A job's index in its build, wherever one travels: it becomes a KV key token and the API's
 * uint32 job_index, so a negative or fractional one is refused when read, not mangled later.
 */
export const jobIndexField = z.number().int().nonnegative().max(100_000);

/** One build of a template (one builder), queued on `kiln.jobs.<builder-type>`. */
export const jobMessageSchema = z.object({
  buildId: subjectTokenField,
  jobIndex: jobIndexField,
  /** Path of the template inside the bundle, relative, "/"-separated. */
  templateInBundle: pathInsideField,
  /** Content address of the bundle in the bundles object store. */
  bundle: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() }),
  spec: buildSpecSchema,
  onError: z.enum(["cleanup", "abort", "run-cleanup-provisioner"]),
  force: z.boolean(),
  /** Capabilities the agent must have (from the builder's schema). */
  needs: z.array(z.string()),
  submittedAt: z.string(),
  /** `kiln build -warm`: restore or save a booted guest where the builder can. */
  warm: z.boolean().optional(),
});
export type JobMessage = z.infer<typeof jobMessageSchema>;

/**
 * A job spec too big for one bus message (a template with a huge variable), stored in the bundles
 * object store sealed with AES-256-GCM (shared/bus/job-spec-store.ts). The key travels only in
 * the job message, like the sensitive values an inline spec carries; the store holds ciphertext.
 */
export const storedSpecSchema = z.object({
  /** Object name in the bundles store: `job-spec/<build>/<index>` of this very job. */
  object: z.string().regex(/^job-spec\/[A-Za-z0-9_-]{1,128}\/\d{1,6}$/, "must be job-spec/<build id>/<job index>"),
  /** Of the stored (sealed) bytes, as the object store checks them on read. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be a hex sha256"),
  size: z.number().int().positive(),
  /** AES-256-GCM key (32 bytes) and nonce (12 bytes), base64. */
  key: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, "must be 32 bytes in base64"),
  iv: z.string().regex(/^[A-Za-z0-9+/]{16}$/, "must be 12 bytes in base64"),
});
export type StoredSpec = z.infer<typeof storedSpecSchema>;

/**
 * A job message as it travels on `kiln.jobs.<type>`: the spec inline, or (when that would not
 * fit in one message) a reference to it in the object store. The agent opens a stored spec
 * before anything else, so every step past that sees a JobMessage.
 */
export const jobEnvelopeSchema = jobMessageSchema
  .omit({ spec: true })
  .extend({ spec: buildSpecSchema.optional(), storedSpec: storedSpecSchema.optional() })
  .superRefine((job, ctx) => {
    if ((job.spec === undefined) === (job.storedSpec === undefined)) {
      ctx.addIssue({ code: "custom", path: ["spec"], message: "a job message carries either its spec or a storedSpec reference (exactly one)" });
    }
  });
export type JobEnvelope = z.infer<typeof jobEnvelopeSchema>;

export const jobStates = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type JobState = (typeof jobStates)[number];

export const artifactFileSchema = z.object({
  /** Where the file goes on the client, relative to its working directory. */
  path: z.string(),
  /** Object name in the artifacts store. */
  object: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string(),
});

export const artifactRefSchema = z.object({
  builderId: z.string(),
  id: z.string(),
  description: z.string(),
  files: z.array(artifactFileSchema),
});
export type ArtifactRef = z.infer<typeof artifactRefSchema>;

/**
 * builderId of the artifacts an agent adds for the files `manifest` post-processors wrote: not
 * artifacts in Packer's sense (not listed in the summary), but the client merges them into one
 * manifest, as a local build of the whole template would have written.
 */
export const MANIFEST_ARTIFACT_BUILDER_ID = "packer.post-processor.manifest";

/** KV `job.<buildId>.<index>`: what happened to one build of the template. No secrets. */
export const jobRecordSchema = z.object({
  buildId: subjectTokenField,
  jobIndex: jobIndexField,
  name: z.string(),
  builderType: subjectTokenField,
  needs: z.array(z.string()),
  /** Agent labels the job needs (kiln.json / -label); absent: none. */
  labels: z.array(z.string().regex(LABEL_PATTERN)).max(MAX_LABELS).optional(),
  /** Queue priority (kiln.json / -priority); absent: normal. */
  priority: z.enum(PRIORITIES).optional(),
  state: z.enum(jobStates),
  agent: z.string().optional(),
  /**
   * Every agent that held the job, in order, each with the KILN_BUILD_OUTPUT sequence its holding
   * began after (the controller keeps it): watchers pass on an agent's output only from while it
   * held the job.
   */
  heldBy: z.array(z.object({ agent: z.string(), afterSequence: z.number().int().nonnegative() })).optional(),
  attempts: z.number().int().nonnegative(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  error: z.string().optional(),
  artifacts: z.array(artifactRefSchema),
  /**
   * The job's spec was too big for its message and is sealed in the bundles store
   * (`job-spec/<build>/<job>`) until the build finishes. Keep it when updating.
   */
  specStored: z.literal(true).optional(),
  /** KILN_JOBS stream sequence of the job's message, so the controller can drop it (cancel, wait timeout). Keep it when updating. */
  queueSequence: z.number().int().positive().optional(),
  /** The build's fingerprint (shared/plan/fingerprint), for -resume. Keep it when updating. */
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /** Set when -resume reused this earlier job's artifacts instead of running the build. */
  reusedFrom: z.object({ buildId: subjectTokenField, jobIndex: jobIndexField }).optional(),
});
export type JobRecord = z.infer<typeof jobRecordSchema>;

/** The agent that held the job when build output sequence `sequence` was stored, if any. */
export function holderAt(record: Pick<JobRecord, "heldBy">, sequence: number): string | undefined {
  let holder: string | undefined;
  for (const h of record.heldBy ?? []) if (h.afterSequence < sequence) holder = h.agent;
  return holder;
}

export const buildStates = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type BuildState = (typeof buildStates)[number];

/** KV `build.<id>`: one submitted template. No secrets, no variable values. */
export const buildRecordSchema = z.object({
  id: subjectTokenField,
  template: z.string(),
  submittedAt: z.string(),
  jobCount: z.number().int().nonnegative(),
  jobNames: z.array(z.string()),
  cancelRequested: z.boolean(),
  /** Jobs still waiting after this many ms fail (no capable agent). 0: wait forever. */
  waitTimeoutMs: z.number().int().nonnegative(),
  /**
   * The sha256 of the template bundle its jobs read: the controller's bundle sweep keeps a bundle
   * while a record names it. Absent on records made before the sweep existed.
   */
  bundle: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type BuildRecord = z.infer<typeof buildRecordSchema>;

/** `kiln.build.<id>.log`: one line of a job's output (already scrubbed of secrets by the runner). */
export const logLineSchema = z.object({
  jobIndex: jobIndexField,
  /** The label Packer prints (`name`, or `name (post-processor)`). */
  label: z.string(),
  level: z.enum(["say", "message", "error"]),
  text: z.string(),
  time: z.string(),
});
export type LogLine = z.infer<typeof logLineSchema>;

/** `kiln.build.<id>.event`: a state change. */
export const buildEventSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("job-queued"),
    jobIndex: jobIndexField,
    name: z.string(),
    needs: z.array(z.string()),
    labels: z.array(z.string()).optional(),
    priority: z.enum(PRIORITIES).optional(),
    time: z.string(),
  }),
  z.object({ kind: z.literal("job-waiting"), jobIndex: jobIndexField, name: z.string(), reason: z.string(), time: z.string() }),
  z.object({ kind: z.literal("job-started"), jobIndex: jobIndexField, name: z.string(), agent: z.string(), attempt: z.number().int(), time: z.string() }),
  z.object({
    kind: z.literal("job-finished"),
    jobIndex: jobIndexField,
    name: z.string(),
    state: z.enum(jobStates),
    error: z.string().optional(),
    durationMs: z.number(),
    artifacts: z.array(artifactRefSchema),
    time: z.string(),
  }),
  z.object({ kind: z.literal("machine"), jobIndex: jobIndexField, target: z.string(), type: z.string(), data: z.array(z.string()), time: z.string() }),
]);
export type BuildEvent = z.infer<typeof buildEventSchema>;

/** `kiln.control.<id>`: ask every agent running a job of this build to stop it (cleanups run). */
export const controlMessageSchema = z.object({ kind: z.literal("cancel"), buildId: subjectTokenField, requestedAt: z.string() });
export type ControlMessage = z.infer<typeof controlMessageSchema>;

/** KV `agent.<name>`: an agent's presence, refreshed by its heartbeat. */
export const agentPresenceSchema = z.object({
  name: subjectTokenField,
  host: z.string(),
  version: z.string(),
  labels: z.record(z.string(), z.string()),
  capabilities: z.array(z.string()),
  builderTypes: z.array(z.string()),
  slots: z.number().int().positive(),
  busy: z.number().int().nonnegative(),
  startedAt: z.string(),
  lastSeen: z.string(),
});
export type AgentPresence = z.infer<typeof agentPresenceSchema>;

/**
 * `kiln.agent.<name>.job-record`: an agent asks the controller to write a job record, as a
 * compare-and-set on `revision` (0: the record does not exist yet).
 */
export const jobRecordWriteSchema = z.object({
  revision: z.number().int().nonnegative(),
  record: jobRecordSchema,
});
export type JobRecordWrite = z.infer<typeof jobRecordWriteSchema>;

/** The controller's answer: written (new revision), someone changed it first (read again), or refused (why). */
export const jobRecordWriteReplySchema = z.discriminatedUnion("outcome", [
  z.object({ outcome: z.literal("written"), revision: z.number().int().positive() }),
  z.object({ outcome: z.literal("conflict") }),
  z.object({ outcome: z.literal("refused"), reason: z.string() }),
]);
export type JobRecordWriteReply = z.infer<typeof jobRecordWriteReplySchema>;

export class BusDecodeError extends Error {
  constructor(readonly what: string, readonly subject: string, readonly reason: string) {
    super(`undecodable ${what} on ${subject}: ${reason}`);
    this.name = "BusDecodeError";
  }
}

function decoder<T>(what: string, schema: z.ZodType<T>): (data: Uint8Array | string, subject: string) => T {
  return (data, subject) => {
    let json: unknown;
    try {
      json = JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data));
    } catch (e) {
      throw new BusDecodeError(what, subject, `not JSON (${(e as Error).message})`);
    }
    return checkedMessage(what, schema, json, subject);
  };
}

/** `value` as `schema` says, or a BusDecodeError naming the first field that is wrong. */
export function checkedMessage<T>(what: string, schema: z.ZodType<T>, value: unknown, subject: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new BusDecodeError(what, subject, `${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return r.data;
}

export const decodeJob = decoder("job message", jobEnvelopeSchema);
export const decodeStoredJobSpec = decoder("stored job spec", buildSpecSchema);
export const decodeJobRecord = decoder("job record", jobRecordSchema);
export const decodeBuildRecord = decoder("build record", buildRecordSchema);
/** A LogLine sent as JSON (the controller's own lines; agents before log-line-wire.ts): read it with decodeLogLine. */
export const decodeLogLineJson = decoder("log line", logLineSchema);
export const decodeBuildEvent = decoder("build event", buildEventSchema);
export const decodeControl = decoder("control message", controlMessageSchema);
export const decodeAgentPresence = decoder("agent presence", agentPresenceSchema);
export const decodeJobRecordWrite = decoder("job record write", jobRecordWriteSchema);
export const decodeJobRecordWriteReply = decoder("job record write reply", jobRecordWriteReplySchema);

export function encode(message: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(message));
}
