/**
 * Runs one BuildSpec: builder (which calls back into the provisioners) then post-processor
 * chains. The same code runs under `kiln build` and under a farm agent: everything it says goes
 * to an OutputSink, everything it makes is returned.
 */
import { errorMessage } from "../../shared/error-message.js";
import { withPackerForce } from "../../shared/components/raw-component.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareContextFor } from "../../shared/plan/build-interpolation.js";
import type { BuildSpec } from "../../shared/plan/build-spec.js";
import { defaultCatalogue, type PluginCatalogue } from "../catalogue.js";
import type { OnErrorPolicy } from "../builders/types.js";
import type { Communicator } from "../communicators/types.js";
import type { Artifact } from "./artifact.js";
import type { GeneratedData, RunContext } from "./context.js";
import { runPostProcessors } from "./post-process.js";
import { runProvisioner } from "./provision.js";
import { BuildCancelledError, StepFailedError, type StepPause } from "./steps.js";
import { configSecrets } from "./config-secrets.js";
import { buildUi, ScrubbingSink, type OutputSink } from "./ui.js";

export interface RunBuildOptions {
  sink: OutputSink;
  signal: AbortSignal;
  /** Relative paths in the template resolve here. */
  workDir: string;
  onError?: OnErrorPolicy;
  /** For `-on-error=ask`: resolves "abort" to keep what the build made, "cleanup" otherwise. */
  ask?: (build: string, error: string) => Promise<"cleanup" | "abort">;
  force?: boolean;
  pause?: StepPause;
  catalogue?: PluginCatalogue;
  /** See RunContext.downloadCacheDir. */
  downloadCacheDir?: string;
  /**
   * Where the build's scratch folder (RunContext.scratchDir: every temp file of every plugin) is
   * made: an agent passes its job folder, which its reaper removes after a crash. Default the
   * system temp folder.
   */
  tempDir?: string;
  /** Which attempt of a build with retries this is (1-based); unset when it has none. */
  attempt?: number;
  /** `-warm`: restore (or save) a booted guest instead of booting cold, where the builder can. */
  warm?: boolean;
}

export interface BuildOutcome {
  name: string;
  artifacts: Artifact[];
  /** Set when the build failed (or a post-processor did). */
  error?: string;
  cancelled: boolean;
  durationMs: number;
}

/** Keys of generated data whose values are secrets. */
const SECRET_GENERATED_KEYS = ["Password", "SSHPrivateKey", "WinRMPassword"];

export async function runBuild(spec: BuildSpec, options: RunBuildOptions): Promise<BuildOutcome> {
  const started = performance.now();
  const catalogue = options.catalogue ?? defaultCatalogue;
  const onError = options.onError ?? "cleanup";
  const sink = new ScrubbingSink(options.sink, spec.sensitiveValues);
  const ui = buildUi(sink, spec.name);
  const scratchDir = await mkdtemp(join(options.tempDir ?? tmpdir(), "kiln-build-"));
  const ctx: RunContext = {
    ui,
    signal: options.signal,
    build: { name: spec.packerBuildName ?? spec.name, type: spec.builder.type },
    workDir: options.workDir,
    prepare: prepareContextFor(spec, options.workDir),
    scratchDir,
    downloadCacheDir: options.downloadCacheDir,
    attempt: options.attempt,
  };
  const baseGenerated: GeneratedData = {
    PackerRunUUID: spec.runUuid,
    PackerHTTPAddr: "ERR_HTTP_ADDR_NOT_IMPLEMENTED_BY_BUILDER",
    PackerHTTPIP: "ERR_HTTP_IP_NOT_IMPLEMENTED_BY_BUILDER",
    PackerHTTPPort: "ERR_HTTP_PORT_NOT_IMPLEMENTED_BY_BUILDER",
  };
  let generated = baseGenerated;
  let askedAnswer: Promise<boolean> | undefined;
  // Errors already said on the build's lines, so its failure is not said twice.
  const reportedErrors = new Set<string>();
  const keepOnError = async (error: string): Promise<false | "abort" | "run-cleanup-provisioner"> => {
    let keep: false | "abort" | "run-cleanup-provisioner" = false;
    if (onError === "abort" || onError === "run-cleanup-provisioner") keep = onError;
    else if (onError === "ask" && options.ask && (await (askedAnswer ??= options.ask(spec.name, error).then((a) => a === "abort")))) keep = "abort";
    // Packer's handleAbortsAndInterupts says the error before naming the steps it leaves.
    if (keep) {
      ui.error(error);
      reportedErrors.add(error);
    }
    return keep;
  };

  const provision = async (comm: Communicator, fromBuilder: GeneratedData, how: "step" | "hook" = "step"): Promise<void> => {
    generated = { ...baseGenerated, ...fromBuilder };
    sink.add(...SECRET_GENERATED_KEYS.map((k) => generated[k] ?? ""));
    for (const p of spec.provisioners) {
      try {
        await runProvisioner(ctx, spec, p, comm, generated, catalogue);
      } catch (e) {
        if (e instanceof BuildCancelledError || ctx.signal.aborted) throw e;
        // A builder that runs the provision hook itself (file) just fails with the error, which
        // ends the build's "errored after" line.
        if (how === "hook") {
          reportedErrors.add(message(e));
          throw e;
        }
        // Packer's StepProvision cleanup: it says this line (not the error, which ends the build's
        // "errored after" line) and runs the error-cleanup provisioner if the template has one.
        if (onError !== "abort") {
          ui.say("Provisioning step had errors: Running the cleanup provisioner, if present...");
          reportedErrors.add(message(e));
        }
        if (spec.errorCleanupProvisioner && onError !== "abort") {
          try {
            await runProvisioner(ctx, spec, spec.errorCleanupProvisioner, comm, generated, catalogue);
          } catch (cleanupError) {
            ui.error(`Error cleanup provisioner failed: ${message(cleanupError)}`);
          }
        }
        throw e;
      }
    }
  };

  const outcome: BuildOutcome = { name: spec.name, artifacts: [], cancelled: false, durationMs: 0 };
  ui.event?.({ type: "build-started", builderType: spec.builder.type, ...(options.attempt !== undefined ? { attempt: options.attempt } : {}) });
  try {
    const plugin = await catalogue.builder(spec.builder.type);
    const config = plugin.schema.prepare(withPackerForce(spec.builder, options.force ?? false), ctx.prepare);
    sink.add(...configSecrets(config));
    const artifact = await plugin.run(
      { ...ctx, provision, force: options.force ?? false, pause: options.pause, keepOnError: (e) => keepOnError(message(e)), warm: options.warm },
      config,
    );
    if (artifact) {
      const post = await runPostProcessors(ctx, sink, spec, artifact, generated, catalogue, options.force ?? false);
      outcome.artifacts = post.artifacts;
      // Packer's MultiError of the build's post-processor failures.
      if (post.errors.length > 0) outcome.error = `${post.errors.length} error(s) occurred:\n\n${post.errors.map((e) => `* ${e}`).join("\n")}`;
    }
  } catch (e) {
    outcome.cancelled = e instanceof BuildCancelledError || ctx.signal.aborted;
    outcome.error = outcome.cancelled ? "Build was cancelled." : message(e);
    // (Steps may wrap the error on its way up: it is recognised by its message.)
    if (!outcome.cancelled && !reportedErrors.has(outcome.error)) ui.error(outcome.error);
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
  outcome.durationMs = performance.now() - started;
  if (outcome.error) outcome.error = sink.scrub(outcome.error);
  for (const a of outcome.artifacts) ui.event?.({ type: "artifact", builderId: a.builderId, id: a.id, description: a.description, files: a.files });
  ui.event?.({ type: "build-finished", durationMs: outcome.durationMs, cancelled: outcome.cancelled, ...(outcome.error ? { error: outcome.error } : {}) });
  return outcome;
}

function message(e: unknown): string {
  if (e instanceof StepFailedError) return e.message;
  return errorMessage(e);
}
