/**
 * SubmitBuild: a bundle in, queued jobs out. The template is extracted, loaded, planned and
 * checked exactly as `kiln validate` does; only a valid template gets a bundle in the object
 * store, records in KV and job messages on `kiln.jobs.<type>`.
 */
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { builderSchema } from "../shared/components/registry.js";
import type { BuildSpec } from "../shared/plan/build-spec.js";
import { hostNeedsOf } from "../shared/plan/host-needs.js";
import { BundleError, formatByteSize } from "../shared/bundle/index.js";
import {
  buildEventSubject,
  buildLogSubject,
  buildKey,
  encode,
  ensureJobConsumer,
  isBusOutage,
  jobKey,
  publishDurably,
  reasonOf,
  jobQueue,
  jobSubject,
  type BuildEvent,
  type BuildRecord,
  type JobEnvelope,
  type JobRecord,
  type LogLine,
  BUNDLES_STORE,
  jobSpecObjectName,
  sealJobSpec,
  storeSealedSpec,
  type SealedSpec,
} from "../shared/bus/index.js";
import { checkBuilds } from "../shared/validation/check-builds.js";
import { unrunnableBuilds } from "../shared/validation/runnable.js";
import { isRunnableType } from "../shared/components/runnable-types.js";
import { formatDiagnostics } from "../shared/validation/diagnostics.js";
import { planReuse, type ReusePlan } from "./reuse.js";
import type { BuildIndex } from "./build-index.js";
import { BuildPolicyError, labelsOf, priorityOf, retriesOf, retryOnOf, timeoutOf } from "../shared/plan/build-policy/index.js";
import { isHcl2Target, loadTemplateForReport, planHclTemplate, planTemplate } from "../shared/validation/load-and-plan.js";
import type { BuildPolicy as ProtoBuildPolicy, SubmitBuildRequest, SubmitBuildResponse } from "../proto/gen/kiln/v1/farm.js";
import { presentAgentsRecently } from "./agents.js";
import { buildToProto } from "./build-view.js";
import type { ControllerContext } from "./context.js";
import { ControllerError, invalidArgument, resourceExhausted } from "./errors.js";
import { dropJob } from "./drop-job.js";
import { status } from "@grpc/grpc-js";
import { jobRecordWrites, updateJobRecord } from "./records.js";

const ON_ERROR_VALUES = ["cleanup", "abort", "run-cleanup-provisioner"] as const;
type OnError = (typeof ON_ERROR_VALUES)[number];

/** A submission as received: the first message's fields, and the bundle (in memory, or in a temp file once big). */
interface ReceivedSubmission {
  request: SubmitBuildRequest;
  /** The bundle's bytes, from the start, as often as asked. */
  bundle: () => Readable;
  sha256: string;
  size: number;
}

/**
 * A bundle up to this size stays in memory; a bigger one goes to a temp file as it arrives. Most
 * bundles are a template and a few files: the temp folder, the file and their removal were ~10
 * file-system calls per submission (bench/farm throughput).
 */
const BUNDLE_IN_MEMORY_BYTES = 1024 * 1024;

/**
 * SubmitBuild's client stream: fields from the first message, bundle bytes from every message
 * (hashed on the way), refused as soon as they pass the limit. A bundle bigger than
 * BUNDLE_IN_MEMORY_BYTES goes to a temp file as it arrives, so no big one is held in memory.
 */
export async function submitBuildStream(
  ctx: ControllerContext,
  messages: AsyncIterable<SubmitBuildRequest>,
  /** Finds earlier jobs by fingerprint for -resume; without it nothing is reused. */
  index?: BuildIndex,
): Promise<SubmitBuildResponse> {
  const spool: { dir?: string } = {};
  try {
    const received = await receiveSubmission(ctx, messages, spool);
    return await submitBuild(ctx, received, index);
  } finally {
    if (spool.dir) await rm(spool.dir, { recursive: true, force: true });
  }
}

async function receiveSubmission(ctx: ControllerContext, messages: AsyncIterable<SubmitBuildRequest>, spool: { dir?: string }): Promise<ReceivedSubmission> {
  const max = ctx.settings.maxBundleBytes;
  const hash = createHash("sha256");
  /** The bytes so far, until they pass BUNDLE_IN_MEMORY_BYTES; from then on `out`, the temp file they went to. */
  const held: Uint8Array[] = [];
  let out: ReturnType<typeof createWriteStream> | undefined;
  let file: string | undefined;
  let request: SubmitBuildRequest | undefined;
  let size = 0;
  try {
    for await (const message of messages) {
      request ??= message;
      const part = message.bundle;
      size += part.length;
      if (size > max) {
        throw invalidArgument(`the bundle is more than the controller accepts (${formatByteSize(max)}, its --max-bundle-size): leave big files out of the template's folder`);
      }
      hash.update(part);
      if (!out && size <= BUNDLE_IN_MEMORY_BYTES) {
        held.push(part);
        continue;
      }
      if (!out) {
        spool.dir = await ctx.scratch.mkdtemp("upload-");
        file = path.join(spool.dir, "bundle.tgz");
        out = createWriteStream(file, { mode: 0o600 });
        for (const earlier of held.splice(0)) out.write(earlier);
      }
      if (!out.write(part)) await once(out, "drain");
    }
  } finally {
    if (out) {
      out.end();
      await once(out, "close");
    }
  }
  if (!request) throw invalidArgument("SubmitBuild got no message: send the fields and the bundle");
  const inMemory = out ? undefined : Buffer.concat(held);
  const bundle = inMemory ? () => Readable.from([inMemory]) : () => createReadStream(file!);
  return { request, bundle, sha256: hash.digest("hex"), size };
}

async function submitBuild(ctx: ControllerContext, received: ReceivedSubmission, index: BuildIndex | undefined): Promise<SubmitBuildResponse> {
  const { request, sha256 } = received;
  const templatePath = pathInBundle(request.templatePath, "template_path");
  const varFiles = request.varFiles.map((f) => pathInBundle(f, "var_files"));
  const onError = onErrorOf(request.onError);
  const displayPath = request.displayPath || templatePath;
  let dir: string;
  try {
    dir = await ctx.bundles.folder(sha256, received.bundle, ctx.settings.maxBundleBytes);
  } catch (e) {
    if (e instanceof BundleError) throw invalidArgument(`bad bundle for ${displayPath}: ${e.message}`);
    throw e;
  }
  const { specs, templateInBundle } = isHcl2Target(templatePath, dir)
    ? await planSubmittedHcl(dir, templatePath, request, varFiles)
    : { ...planSubmitted(dir, templatePath, displayPath, request, varFiles), templateInBundle: templatePath };
  attachPolicies(specs, request.policies);
  const storeBundle = async (): Promise<void> => {
    const info = await ctx.bus.bundles.info(sha256);
    // A deleted object still answers info(), marked deleted.
    if (!info || info.deleted) await ctx.bus.bundles.put({ name: sha256 }, Readable.toWeb(received.bundle()) as ReadableStream<Uint8Array>);
    ctx.bundles.markStored(sha256);
  };
  if (!ctx.bundles.isStored(sha256)) await storeBundle();
  const reuse = await planReuse(ctx, index, specs, request.resume && !request.force);
  const queued = await queueBuild(ctx, {
    reuse,
    warm: request.warm,
    displayPath,
    templateInBundle,
    bundle: { sha256, size: received.size },
    // The record naming the bundle is written: from now on the bundle sweep keeps it. It may have
    // deleted it since the check above (no record named it), unless another kept build names it.
    keepBundle: async (buildId) => {
      if (!index?.bundleNamedByAnother(sha256, buildId)) await storeBundle();
    },
    specs,
    onError,
    force: request.force,
    waitTimeoutMs: request.waitTimeoutSeconds > 0 ? request.waitTimeoutSeconds * 1000 : ctx.settings.waitTimeoutMs,
  });
  const agents = await presentAgentsRecently(ctx.bus, ctx.log);
  // Every type a submission may name is validated; one Kiln cannot run is refused above, not warned about.
  return { build: buildToProto(queued.record, queued.jobs, agents), warnings: [] };
}

/**
 * The retries and deadline the client resolved per build (its flags and side file) go into each
 * BuildSpec, checked as the client checks them: the request is untrusted input.
 */
function attachPolicies(specs: BuildSpec[], policies: Record<string, ProtoBuildPolicy>): void {
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (const [name, p] of Object.entries(policies)) {
    const spec = byName.get(name);
    if (!spec) throw invalidArgument(`policies: no build named "${name}" in this submission (builds: ${[...byName.keys()].join(", ")})`);
    try {
      spec.policy = {
        retries: retriesOf(p.retries, `policies["${name}"].retries`),
        retryOn: p.retryOn === "" ? undefined : retryOnOf(p.retryOn, `policies["${name}"].retry_on`),
        timeoutMs: p.timeoutMs === 0 ? undefined : timeoutOf(`${p.timeoutMs}ms`, `policies["${name}"].timeout_ms`),
        ...(p.labels.length > 0 ? { labels: labelsOf(p.labels, `policies["${name}"].labels`) } : {}),
        ...(p.priority !== "" && p.priority !== "normal" ? { priority: priorityOf(p.priority, `policies["${name}"].priority`) } : {}),
      };
      // Refused here, not half-way through queueing: every requirement must fit one subject token.
      jobQueue(spec.builder.type, hostNeedsOf(spec), spec.policy.labels, spec.policy.priority);
    } catch (e) {
      if (e instanceof BuildPolicyError) throw invalidArgument(e.message);
      if (spec.policy?.labels) throw invalidArgument(`policies["${name}"].labels: too many or too long labels for one job queue name (${(e as Error).message})`);
      throw e;
    }
  }
}

/** Load, plan, check: the same steps and the same texts as `kiln validate`. */
function planSubmitted(
  dir: string,
  templatePath: string,
  displayPath: string,
  request: SubmitBuildRequest,
  varFiles: string[],
): { specs: BuildSpec[] } {
  // Messages name files as the client knows them, not by the controller's temp dir.
  const local = (text: string): string => text.split(`${dir}${path.sep}`).join("");
  const loaded = loadTemplateForReport(templatePath, dir, displayPath);
  if (!loaded.ok) throw invalidArgument(local([loaded.text, ...loaded.where].join("\n")));
  // The controller's environment is not the user's: `{{env}}` in variable defaults reads the
  // variables the client sent (those the defaults name), never the controller's own.
  const planned = planTemplate(
    loaded.template,
    { vars: request.vars.map((v) => [v.name, v.value]), varFiles, only: request.only, except: request.except },
    dir,
    { ...request.env },
  );
  if (!planned.ok) throw invalidArgument(local(formatDiagnostics(planned.diagnostics)));
  // The same checks as a local `kiln build` before anything runs: configuration (with -force as
  // the client gave it), then a plugin for every type. A farm refuses the whole submission.
  const checked = checkBuilds(planned.specs, dir, { force: request.force });
  const diagnostics = [...checked.diagnostics, ...unrunnableBuilds(planned.specs, isRunnableType, new Set(checked.diagnostics.map((d) => d.build)))];
  if (diagnostics.length > 0) throw invalidArgument(local(formatDiagnostics(diagnostics)));
  return { specs: planned.specs };
}

/** The HCL2 path of planSubmitted: `kiln validate`'s steps on an HCL2 file or folder. */
async function planSubmittedHcl(
  dir: string,
  templatePath: string,
  request: SubmitBuildRequest,
  varFiles: string[],
): Promise<{ specs: BuildSpec[]; templateInBundle: string }> {
  const local = (text: string): string => text.split(`${dir}${path.sep}`).join("");
  const checked = await planHclTemplate(
    templatePath,
    { vars: request.vars.map((v) => [v.name, v.value]), varFiles, only: request.only, except: request.except },
    dir,
    { ...request.env },
  );
  if (!checked.ok) throw invalidArgument(local(checked.text));
  const configChecked = checkBuilds(checked.specs, dir, { force: request.force });
  const diagnostics = [...configChecked.diagnostics, ...unrunnableBuilds(checked.specs, isRunnableType, new Set(configChecked.diagnostics.map((d) => d.build)))];
  if (diagnostics.length > 0) throw invalidArgument(local(formatDiagnostics(diagnostics)));
  // Jobs name one file of the template (a folder's first): agents run in the folder that holds it.
  return { specs: checked.specs, templateInBundle: checked.config.templateFiles[0].name.split(path.sep).join("/") };
}

interface BuildToQueue {
  reuse: ReusePlan;
  warm: boolean;
  displayPath: string;
  templateInBundle: string;
  bundle: { sha256: string; size: number };
  /** Called once the build record (naming the bundle) is written, before any job goes out. */
  keepBundle(buildId: string): Promise<void>;
  specs: BuildSpec[];
  onError: OnError;
  force: boolean;
  waitTimeoutMs: number;
}

/** Room left in a bus message for NATS and JetStream headers (Nats-Msg-Id and the like). */
const HEADER_ROOM_BYTES = 4096;
/** How long publishing one job may ride out a NATS restart before the submission gives up. */
const PUBLISH_DEADLINE_MS = 20_000;

/**
 * Everything is encoded and size-checked before anything is written, so a job too big for the bus
 * is refused with nothing left behind. Then records first (an agent may take a job the moment it
 * is published, and reads its record), then the job messages. A record whose job was never
 * published has no queueSequence: when publishing fails, those jobs are marked failed at once (and
 * their watchers told); when the controller dies in between, the wait-timeout sweep fails them
 * (see failUnqueuedJobs). Job messages carry msgID `<build>.<index>`, so a retry never queues twice.
 * A spec too big for its message is sealed before anything is written and stored after the
 * records, before its job is published: a failure there fails the jobs as a failed publish does.
 */
async function queueBuild(ctx: ControllerContext, b: BuildToQueue): Promise<{ record: BuildRecord; jobs: JobRecord[] }> {
  const { bus } = ctx;
  const id = newBuildId();
  const submittedAt = new Date().toISOString();
  const record: BuildRecord = {
    id,
    template: b.displayPath,
    submittedAt,
    jobCount: b.specs.length,
    jobNames: b.specs.map((s) => s.name),
    cancelRequested: false,
    waitTimeoutMs: b.waitTimeoutMs,
    bundle: b.bundle.sha256,
  };
  const hostNeeds = b.specs.map(hostNeedsOf);
  const jobs: JobRecord[] = b.specs.map((spec, jobIndex) => {
    const source = b.reuse.reused.get(jobIndex);
    return {
      buildId: id,
      jobIndex,
      name: spec.name,
      builderType: spec.builder.type,
      needs: [...new Set([...(builderSchema(spec.builder.type)?.needs ?? []), ...hostNeeds[jobIndex]!])],
      ...(spec.policy?.labels?.length ? { labels: spec.policy.labels } : {}),
      ...(spec.policy?.priority && spec.policy.priority !== "normal" ? { priority: spec.policy.priority } : {}),
      fingerprint: b.reuse.fingerprints[jobIndex],
      ...(source
        ? { state: "succeeded", attempts: 0, artifacts: source.artifacts, startedAt: submittedAt, finishedAt: submittedAt, reusedFrom: { buildId: source.buildId, jobIndex: source.jobIndex } }
        : { state: "queued", attempts: 0, artifacts: [] }),
    };
  });
  const toQueue = jobs.filter((j) => !j.reusedFrom);
  const maxMessage = maxMessageBytes(ctx);
  // A spec too big for one message goes, sealed, through the object store (sealed now, in
  // memory, stored only once the records exist: see the try below).
  const sealedSpecs = new Map<number, SealedSpec>();
  const messages = jobs.map((job) => {
    const common = {
      buildId: id,
      jobIndex: job.jobIndex,
      templateInBundle: b.templateInBundle,
      bundle: b.bundle,
      onError: b.onError,
      force: b.force,
      needs: job.needs,
      submittedAt,
      ...(b.warm ? { warm: true } : {}),
    };
    const inline = encode({ ...common, spec: b.specs[job.jobIndex] } satisfies JobEnvelope);
    if (inline.length <= maxMessage || job.reusedFrom) return inline; // a reused job's message is never sent
    const sealed = sealJobSpec(id, job.jobIndex, b.specs[job.jobIndex]);
    sealedSpecs.set(job.jobIndex, sealed);
    job.specStored = true; // records are written below, after the messages are made
    return encode({ ...common, storedSpec: sealed.ref } satisfies JobEnvelope);
  });
  checkSizes(ctx, b.displayPath, toQueue, toQueue.map((j) => messages[j.jobIndex]), encode(record));

  const revisions = await Promise.all(jobs.map((job) => bus.builds.create(jobKey(id, job.jobIndex), encode(job))));
  await bus.builds.create(buildKey(id), encode(record));
  // Each job's queue: its builder type, what its provisioners need of the host (ansible…), the
  // agent labels it needs, its priority.
  const queueOf = new Map(toQueue.map((j) => [j.jobIndex, jobQueue(j.builderType, hostNeeds[j.jobIndex]!, j.labels, j.priority)]));
  const types = [...new Set(queueOf.values())];
  try {
    await Promise.all(jobs.filter((j) => j.reusedFrom).map((job) => announceReused(ctx, id, job, submittedAt)));
    await Promise.all([...types.map((t) => ensureConsumerOnce(ctx, t)), b.keepBundle(id)]);
    // Before its job is published: an agent that takes the job finds its spec. A failure here
    // fails the jobs like any other below, and their stored specs are removed.
    const specStore = { ...bus, store: bus.bundles, bucket: BUNDLES_STORE };
    await Promise.all([...sealedSpecs.values()].map((sealed) => storeSealedSpec(specStore, sealed)));
    await Promise.all(
      toQueue.map(async (job) => {
        const queuedEvent: BuildEvent = { kind: "job-queued", jobIndex: job.jobIndex, name: job.name, needs: job.needs, labels: job.labels, priority: job.priority, time: submittedAt };
        const durably = { deadlineMs: PUBLISH_DEADLINE_MS, signal: ctx.stopping };
        // Both publishes leave on this one connection in this order, so the queued event is stored
        // before the job message (and before any event of the agent that takes it) without waiting
        // for its ack first: one round trip for the two.
        const [, ack] = await Promise.all([
          publishDurably(bus.js, buildEventSubject(id), encode(queuedEvent), { ...durably, msgID: `${id}.${job.jobIndex}.queued` }),
          publishDurably(bus.js, jobSubject(queueOf.get(job.jobIndex)!), messages[job.jobIndex], { ...durably, msgID: `${id}.${job.jobIndex}` }),
        ]);
        job.queueSequence = ack.seq;
        // Straight onto the revision just created; only when an agent got there first is it read again.
        const key = jobKey(id, job.jobIndex);
        const stored = await jobRecordWrites.run(key, () => bus.builds.update(key, encode(job), revisions[job.jobIndex])).then(
          () => true,
          () => false,
        );
        if (!stored) await updateJobRecord(bus.builds, id, job.jobIndex, (r) => ({ ...r, queueSequence: ack.seq }));
      }),
    );
  } catch (e) {
    const reason = reasonOf(e);
    const unqueued = toQueue.filter((j) => j.queueSequence === undefined);
    await Promise.all(unqueued.filter((j) => sealedSpecs.has(j.jobIndex)).map((j) => bus.bundles.delete(jobSpecObjectName(id, j.jobIndex)).catch(() => undefined)));
    ctx.log.error("could not queue a build; failing its unqueued jobs", { build: id, jobs: unqueued.length, reason });
    await Promise.all(
      unqueued.map((j) => dropJob(ctx, { buildId: id, jobIndex: j.jobIndex, state: "failed", error: `the controller could not queue this job: ${reason}` }).catch(() => undefined)),
    );
    throw new ControllerError(isBusOutage(e) ? status.UNAVAILABLE : status.INTERNAL, `build ${id} could not be queued (${reason}); ${unqueued.length} of its ${jobs.length} jobs were marked failed: submit it again`);
  }
  ctx.log.info("build queued", { build: id, template: b.displayPath, jobs: jobs.length, types: types.join(","), bundle: b.bundle.sha256 });
  return { record, jobs };
}

/** A job -resume answered from an earlier build: its watchers see it queued, say what it reuses, and finish. */
async function announceReused(ctx: ControllerContext, buildId: string, job: JobRecord, time: string): Promise<void> {
  const durably = { deadlineMs: PUBLISH_DEADLINE_MS, signal: ctx.stopping };
  const from = job.reusedFrom!;
  const queued: BuildEvent = { kind: "job-queued", jobIndex: job.jobIndex, name: job.name, needs: job.needs, time };
  await publishDurably(ctx.bus.js, buildEventSubject(buildId), encode(queued), { ...durably, msgID: `${buildId}.${job.jobIndex}.queued` });
  const lines: LogLine = {
    jobIndex: job.jobIndex,
    label: job.name,
    level: "say",
    text: job.artifacts.map((a) => `reusing ${a.description} from build ${from.buildId} (same fingerprint)`).join("\n"),
    time,
  };
  await publishDurably(ctx.bus.js, buildLogSubject(buildId), encode(lines), { ...durably, msgID: `${buildId}.${job.jobIndex}.reused` });
  const finished: BuildEvent = { kind: "job-finished", jobIndex: job.jobIndex, name: job.name, state: "succeeded", durationMs: 0, artifacts: job.artifacts, time };
  await publishDurably(ctx.bus.js, buildEventSubject(buildId), encode(finished), { ...durably, msgID: `${buildId}.${job.jobIndex}.finished` });
  ctx.log.info("job reused", { build: buildId, job: job.jobIndex, name: job.name, from: `${from.buildId}/${from.jobIndex}` });
}

/** The biggest message the farm's NATS carries, less room for headers. */
function maxMessageBytes(ctx: ControllerContext): number {
  return (ctx.bus.nc.info?.max_payload ?? 1024 * 1024) - HEADER_ROOM_BYTES;
}

/** Refuses a build whose messages or records the bus cannot carry, before anything is written. */
function checkSizes(ctx: ControllerContext, template: string, jobs: JobRecord[], messages: Uint8Array[], record: Uint8Array): void {
  const max = maxMessageBytes(ctx);
  const maxPayload = max + HEADER_ROOM_BYTES;
  const tooBig = jobs.map((job, i) => ({ job, size: messages[i].length })).filter(({ size }) => size > max);
  if (tooBig.length > 0) {
    const which = tooBig.map(({ job, size }) => `build "${job.name}" (${formatByteSize(size)})`).join(", ");
    throw resourceExhausted(
      `template too large: ${template}: the job of ${which} is more than the farm's NATS carries in one message, max ${formatByteSize(max)} ` +
        `(nats-server max_payload ${formatByteSize(maxPayload)}); move big values (variables, inline scripts) into files next to the template`,
    );
  }
  if (record.length > max) throw resourceExhausted(`template too large: ${template}: its build record is ${formatByteSize(record.length)}, max ${formatByteSize(max)} (nats-server max_payload)`);
}

/** Time-ordered (newest sorts last), unique, and a valid NATS subject token. */
function newBuildId(): string {
  return `${Date.now().toString(36).padStart(9, "0")}-${randomBytes(5).toString("hex")}`;
}

/** A path the client says is in the bundle: relative and inside it, or the call is refused. */
function pathInBundle(p: string, field: string): string {
  if (p === "") throw invalidArgument(`${field} is empty: give the template's path inside the bundle`);
  const slashed = p.replace(/\\/g, "/");
  const parts = slashed.split("/").filter((s) => s !== "" && s !== ".");
  // An HCL2 template can be a whole folder: the bundle's root.
  if (slashed === "." && field === "template_path") return ".";
  if (slashed.startsWith("/") || /^[A-Za-z]:/.test(slashed) || parts.includes("..") || parts.length === 0) {
    throw invalidArgument(`${field} "${p}" must be a relative path inside the bundle (no leading "/", no "..")`);
  }
  return parts.join("/");
}

function onErrorOf(value: string): OnError {
  if (value === "") return "cleanup";
  if (value === "ask") throw invalidArgument(`on_error "ask" needs a terminal next to the build: use cleanup, abort or run-cleanup-provisioner on a farm`);
  if (!(ON_ERROR_VALUES as readonly string[]).includes(value)) {
    throw invalidArgument(`on_error "${value}" is not one of ${ON_ERROR_VALUES.join(", ")}`);
  }
  return value as OnError;
}

/**
 * A job consumer is made once per builder type; asking JetStream again on every submission cost
 * an API round trip per build. A failed attempt is forgotten so the next submission retries.
 */
const ensuredConsumers = new WeakMap<ControllerContext["bus"], Map<string, Promise<unknown>>>();

function ensureConsumerOnce(ctx: ControllerContext, queue: string): Promise<unknown> {
  let byQueue = ensuredConsumers.get(ctx.bus);
  if (!byQueue) ensuredConsumers.set(ctx.bus, (byQueue = new Map()));
  let ensured = byQueue.get(queue);
  if (!ensured) {
    ensured = ensureJobConsumer(ctx.bus.jsm, queue, { ackWaitMs: ctx.settings.ackWaitMs, maxDeliver: ctx.settings.maxDeliver });
    ensured.catch(() => byQueue.delete(queue));
    byQueue.set(queue, ensured);
  }
  return ensured;
}
