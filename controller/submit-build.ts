/**
 * SubmitBuild: a bundle in, queued jobs out. The template is extracted, loaded, planned and
 * checked exactly as `kiln validate` does; only a valid template gets a bundle in the object
 * store, records in KV and job messages on `kiln.jobs.<type>`.
 */
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import { builderSchema } from "../shared/components/registry.js";
import type { BuildSpec } from "../shared/plan/build-spec.js";
import { BundleError, formatByteSize } from "../shared/bundle/index.js";
import {
  buildEventSubject,
  buildKey,
  encode,
  ensureJobConsumer,
  jobKey,
  jobSubject,
  type BuildEvent,
  type BuildRecord,
  type JobMessage,
  type JobRecord,
} from "../shared/bus/index.js";
import { checkBuilds } from "../shared/validation/check-builds.js";
import { formatDiagnostics } from "../shared/validation/diagnostics.js";
import { isHcl2Target, loadTemplateForReport, planHclTemplate, planTemplate } from "../shared/validation/load-and-plan.js";
import type { SubmitBuildRequest, SubmitBuildResponse } from "../proto/gen/kiln/v1/farm.js";
import { presentAgentsRecently } from "./agents.js";
import { buildToProto } from "./build-view.js";
import type { ControllerContext } from "./context.js";
import { invalidArgument } from "./errors.js";
import { updateJobRecord } from "./records.js";

const ON_ERROR_VALUES = ["cleanup", "abort", "run-cleanup-provisioner"] as const;
type OnError = (typeof ON_ERROR_VALUES)[number];

export async function submitBuild(ctx: ControllerContext, request: SubmitBuildRequest): Promise<SubmitBuildResponse> {
  const templatePath = pathInBundle(request.templatePath, "template_path");
  const varFiles = request.varFiles.map((f) => pathInBundle(f, "var_files"));
  const onError = onErrorOf(request.onError);
  const displayPath = request.displayPath || templatePath;
  const bundle = Buffer.from(request.bundle.buffer, request.bundle.byteOffset, request.bundle.byteLength);
  if (bundle.length > ctx.settings.maxBundleBytes) {
    throw invalidArgument(`the bundle is ${formatByteSize(bundle.length)}, more than the controller accepts (${formatByteSize(ctx.settings.maxBundleBytes)}, its --max-bundle-size): leave big files out of the template's folder`);
  }

  const sha256 = createHash("sha256").update(bundle).digest("hex");
  let dir: string;
  try {
    dir = await ctx.bundles.folder(sha256, bundle, ctx.settings.maxBundleBytes);
  } catch (e) {
    if (e instanceof BundleError) throw invalidArgument(`bad bundle for ${displayPath}: ${e.message}`);
    throw e;
  }
  const { specs, warnings, templateInBundle } = isHcl2Target(templatePath, dir)
    ? await planSubmittedHcl(dir, templatePath, request, varFiles)
    : { ...planSubmitted(dir, templatePath, displayPath, request, varFiles), templateInBundle: templatePath };
  if (!ctx.bundles.isStored(sha256)) {
    if (!(await ctx.bus.bundles.info(sha256))) await ctx.bus.bundles.putBlob({ name: sha256 }, bundle);
    ctx.bundles.markStored(sha256);
  }
  const queued = await queueBuild(ctx, {
    displayPath,
    templateInBundle,
    bundle: { sha256, size: bundle.length },
    specs,
    onError,
    force: request.force,
    waitTimeoutMs: request.waitTimeoutSeconds > 0 ? request.waitTimeoutSeconds * 1000 : ctx.settings.waitTimeoutMs,
  });
  const agents = await presentAgentsRecently(ctx.bus.agents, ctx.log);
  return { build: buildToProto(queued.record, queued.jobs, agents), warnings };
}

/** Load, plan, check: the same steps and the same texts as `kiln validate`. */
function planSubmitted(
  dir: string,
  templatePath: string,
  displayPath: string,
  request: SubmitBuildRequest,
  varFiles: string[],
): { specs: BuildSpec[]; warnings: string[] } {
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
  const checked = checkBuilds(planned.specs, dir);
  if (checked.diagnostics.length > 0) throw invalidArgument(local(formatDiagnostics(checked.diagnostics)));
  const warnings = checked.unchecked.map(
    (u) => `build "${u.build}": the ${u.kind} type "${u.type}" is a Packer type Kiln cannot check yet; its settings were not validated.`,
  );
  return { specs: planned.specs, warnings };
}

/** The HCL2 path of planSubmitted: `kiln validate`'s steps on an HCL2 file or folder. */
async function planSubmittedHcl(
  dir: string,
  templatePath: string,
  request: SubmitBuildRequest,
  varFiles: string[],
): Promise<{ specs: BuildSpec[]; warnings: string[]; templateInBundle: string }> {
  const local = (text: string): string => text.split(`${dir}${path.sep}`).join("");
  const checked = await planHclTemplate(
    templatePath,
    { vars: request.vars.map((v) => [v.name, v.value]), varFiles, only: request.only, except: request.except },
    dir,
    { ...request.env },
  );
  if (!checked.ok) throw invalidArgument(local(checked.text));
  const warnings = checkBuilds(checked.specs, dir).unchecked.map(
    (u) => `build "${u.build}": the ${u.kind} type "${u.type}" is a Packer type Kiln cannot check yet; its settings were not validated.`,
  );
  // Jobs name one file of the template (a folder's first): agents run in the folder that holds it.
  return { specs: checked.specs, warnings, templateInBundle: checked.config.templateFiles[0].name.split(path.sep).join("/") };
}

interface BuildToQueue {
  displayPath: string;
  templateInBundle: string;
  bundle: { sha256: string; size: number };
  specs: BuildSpec[];
  onError: OnError;
  force: boolean;
  waitTimeoutMs: number;
}

/** Records first (an agent may take a job the moment it is published), then the job messages. */
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
  };
  const jobs: JobRecord[] = b.specs.map((spec, jobIndex) => ({
    buildId: id,
    jobIndex,
    name: spec.name,
    builderType: spec.builder.type,
    needs: [...(builderSchema(spec.builder.type)?.needs ?? [])],
    state: "queued",
    attempts: 0,
    artifacts: [],
  }));
  const revisions = await Promise.all(jobs.map((job) => bus.builds.create(jobKey(id, job.jobIndex), encode(job))));
  await bus.builds.create(buildKey(id), encode(record));

  const types = [...new Set(jobs.map((j) => j.builderType))];
  await Promise.all(types.map((t) => ensureConsumerOnce(ctx, t)));

  await Promise.all(
    jobs.map(async (job) => {
      const queuedEvent: BuildEvent = { kind: "job-queued", jobIndex: job.jobIndex, name: job.name, needs: job.needs, time: submittedAt };
      const message: JobMessage = {
        buildId: id,
        jobIndex: job.jobIndex,
        templateInBundle: b.templateInBundle,
        bundle: b.bundle,
        spec: b.specs[job.jobIndex],
        onError: b.onError,
        force: b.force,
        needs: job.needs,
        submittedAt,
      };
      // Both publishes leave on this one connection in this order, so the queued event is stored
      // before the job message (and before any event of the agent that takes it) without waiting
      // for its ack first: one round trip for the two.
      const [, ack] = await Promise.all([
        bus.js.publish(buildEventSubject(id), encode(queuedEvent)),
        bus.js.publish(jobSubject(job.builderType), encode(message), { msgID: `${id}.${job.jobIndex}` }),
      ]);
      job.queueSequence = ack.seq;
      // Straight onto the revision just created; only when an agent got there first is it read again.
      const key = jobKey(id, job.jobIndex);
      const stored = await bus.builds.update(key, encode(job), revisions[job.jobIndex]).then(
        () => true,
        () => false,
      );
      if (!stored) await updateJobRecord(bus.builds, id, job.jobIndex, (r) => ({ ...r, queueSequence: ack.seq }));
    }),
  );
  ctx.log.info("build queued", { build: id, template: b.displayPath, jobs: jobs.length, types: types.join(","), bundle: b.bundle.sha256 });
  return { record, jobs };
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

function ensureConsumerOnce(ctx: ControllerContext, builderType: string): Promise<unknown> {
  let byType = ensuredConsumers.get(ctx.bus);
  if (!byType) ensuredConsumers.set(ctx.bus, (byType = new Map()));
  let ensured = byType.get(builderType);
  if (!ensured) {
    ensured = ensureJobConsumer(ctx.bus.jsm, builderType, { ackWaitMs: ctx.settings.ackWaitMs, maxDeliver: ctx.settings.maxDeliver });
    ensured.catch(() => byType.delete(builderType));
    byType.set(builderType, ensured);
  }
  return ensured;
}
