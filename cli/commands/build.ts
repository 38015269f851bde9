/**
 * `kiln build`: plan the template, run every build in this process with the agents' runner, and
 * report like `packer build`.
 */
import { createInterface } from "node:readline/promises";
import type { BuildOutcome } from "../../agent/runner/build.js";
import { runBuildWithPolicy } from "../../agent/runner/attempts.js";
import { resolveBuildPolicies, policyFlagSpecs } from "../build-policy-flags.js";
import { ResumeRun } from "../resume/resume-run.js";
import { BuildPolicyError, type BuildPolicy } from "../../shared/plan/build-policy/index.js";
import type { OnErrorPolicy } from "../../agent/builders/types.js";
import { FlagError, formatFlagHelp, goIntCheck, parseCommandFlags, parseGoInt, type FlagSpecs } from "../flags.js";
import type { CommandIO } from "../io.js";
import { MachineReadableSink, TerminalSink } from "../output/terminal-sink.js";
import { JsonSink } from "../output/json-sink.js";
import { reportBuildEnded, reportSummary } from "../output/build-summary.js";
import { loadForCommand, planForCommand, planInputs, templateFlagSpecs, templatePathError, varFileOpenError } from "../template-flags.js";
import { isHcl2Target, planHclTemplate } from "../../shared/validation/load-and-plan.js";
import type { BuildSpec } from "../../shared/plan/build-spec.js";
import type { ParsedFlags } from "../flags.js";
import { checkBuilds, type BuildCheck } from "../../shared/validation/check-builds.js";
import { unrunnableBuilds } from "../../shared/validation/runnable.js";
import { formatDiagnostics, type Diagnostic } from "../../shared/validation/diagnostics.js";
import { defaultCatalogue } from "../../agent/catalogue.js";
import { artifactStoreFlagSpecs, farmFlagSpecs, submissionFlagSpecs } from "../farm-client/flag-specs.js";
import { onInterrupts } from "../stop-signal.js";

const onErrorPolicies = ["cleanup", "abort", "ask", "run-cleanup-provisioner"];

/** Packer's words for a bad -on-error (its enum flag lists the choices Go-quoted). */
function onErrorCheck(value: string): string | undefined {
  return onErrorPolicies.includes(value) ? undefined : `expected one of [${onErrorPolicies.map((p) => `"${p}"`).join(" ")}]`;
}

const flagSpecs: FlagSpecs = {
  color: { kind: "bool", help: "Disable color output with -color=false (also PACKER_NO_COLOR / NO_COLOR)." },
  debug: { kind: "bool", help: "Debug mode: builds run one at a time and pause before each step." },
  force: { kind: "bool", help: "Force a build to continue if artifacts exist, deletes existing artifacts." },
  "machine-readable": { kind: "bool", help: "Produce machine-readable output (timestamp,target,type,data)." },
  json: { kind: "bool", help: "One JSON object per line for every output line and event (schema: docs/schema/build-events.v1.json)." },
  "on-error": { kind: "string", help: "If the build fails do: clean up (default), abort, ask, or run-cleanup-provisioner.", placeholder: "cleanup", check: onErrorCheck },
  "parallel-builds": { kind: "string", help: "Number of builds to run in parallel. 0 means no limit (default 0).", placeholder: "N", check: goIntCheck },
  "timestamp-ui": { kind: "bool", help: "Prefix each UI output line with an RFC3339 timestamp." },
  warm: { kind: "bool", help: "Kiln: qemu disk-image and libvirt overlay builds restore the guest as it was when sshd answered (saved by the first -warm build) instead of booting." },
  resume: { kind: "bool", help: "Kiln: skip builds whose fingerprint (config, variables, files read, base image) already made an artifact that still exists." },
  ...templateFlagSpecs,
  ...policyFlagSpecs,
  ...farmFlagSpecs,
  ...submissionFlagSpecs,
  ...artifactStoreFlagSpecs(["--controller"]),
};

/** The flags packer build 1.6.6 has, listed first in its own words. */
const packerBuildFlags = ["color", "debug", "except", "only", "force", "machine-readable", "on-error", "parallel-builds", "timestamp-ui", "var", "var-file"];

export const help = `Usage: kiln build [options] TEMPLATE

  Will execute multiple builds in parallel as defined in the template.
  The various artifacts created by the template will be outputted.

Options:

  -color=false                  Disable color output. (Default: color)
  -debug                        Debug mode enabled for builds.
  -except=foo,bar,baz           Run all builds and post-processors other than these.
  -only=foo,bar,baz             Build only the specified builds.
  -force                        Force a build to continue if artifacts exist, deletes existing artifacts.
  -machine-readable             Produce machine-readable output.
  -on-error=[cleanup|abort|ask|run-cleanup-provisioner] If the build fails do: clean up (default), abort, ask, or run-cleanup-provisioner.
  -parallel-builds=1            Number of builds to run in parallel. 1 disables parallelization. 0 means no limit (Default: 0)
  -timestamp-ui                 Enable prefixing of each ui output with an RFC3339 timestamp.
  -var 'key=value'              Variable for templates, can be used multiple times.
  -var-file=path                JSON or HCL2 file containing user variables.

Kiln options:

${formatFlagHelp(flagSpecs, packerBuildFlags)}

Press Ctrl-C once to cancel every build (cleanups run); twice to stop at once.

With --controller (or KILN_CONTROLLER) the builds run on a Kiln farm's agents: the template's
folder (the files its builds use) is sent to the controller, the output streams back here, and
the artifact files are downloaded into this directory, as a local build would leave them.`;

/** JSON or HCL2 template → BuildSpecs (undefined: reported, exit 1). */
/** The planned builds, and how their configuration check is written (HCL2 has its own form). */
interface PlannedBuilds {
  specs: BuildSpec[];
  /** The check's report, then Kiln's own refusals (`unrunnable`: types it cannot build). */
  formatCheck: (check: BuildCheck, unrunnable: Diagnostic[]) => string;
  /** HCL2: Packer prepares every provisioner and post-processor of a build, reporting each failure. */
  everyComponent: boolean;
}

const formatJsonCheck = (check: BuildCheck, unrunnable: Diagnostic[]): string => {
  const all = [...check.reported, ...unrunnable];
  return all.length > 0 ? formatDiagnostics(all) : "";
};

async function planSpecs(flags: ParsedFlags, io: CommandIO, report: (text: string) => void): Promise<PlannedBuilds | undefined> {
  const target = flags.rest[0];
  const pathError = templatePathError(target, io.cwd);
  if (pathError) {
    report(pathError);
    return undefined;
  }
  try {
    if (isHcl2Target(target, io.cwd)) {
      const checked = await planHclTemplate(target, planInputs(flags), io.cwd, io.env, { checkComponents: false });
      if (!checked.ok) {
        report(checked.text);
        return undefined;
      }
      if (checked.warnings) io.stdout.write(checked.warnings);
      if (checked.notes) io.stderr.write(checked.notes);
      const hcl = checked.formatCheck;
      const formatCheck = (check: BuildCheck, unrunnable: Diagnostic[]): string =>
        (hcl && check.reported.length > 0 ? hcl(check) : "") + (unrunnable.length > 0 ? formatDiagnostics(unrunnable) : "");
      return { specs: checked.specs, formatCheck, everyComponent: true };
    }
    const loaded = loadForCommand(target, io.cwd);
    if (!loaded.ok) {
      report([loaded.text, ...loaded.where].join("\n"));
      return undefined;
    }
    const varFileError = varFileOpenError(flags, io.cwd);
    if (varFileError) {
      report(varFileError);
      return undefined;
    }
    const planned = planForCommand(loaded.template, flags, io.cwd, io.env);
    if (!planned.ok) {
      report(formatDiagnostics(planned.diagnostics));
      return undefined;
    }
    return { specs: planned.specs, formatCheck: formatJsonCheck, everyComponent: false };
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    io.stderr.write(`${e.message}\n`);
    return undefined;
  }
}

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const flags = parseCommandFlags(argv, flagSpecs, io, { name: "build", help, template: "required", packer: true });
  if (!flags) return 1;
  if (flags.strings.controller) return (await import("../farm-client/farm-build.js")).runFarmBuild(flags, io);
  const json = flags.bools.json === true;
  const machine = io.machineReadable || flags.bools["machine-readable"] === true || json;
  const color = flags.bools.color !== false && !io.env.PACKER_NO_COLOR && !io.env.NO_COLOR && !machine;
  const onError = (flags.strings["on-error"] ?? "cleanup") as OnErrorPolicy;
  if (!["cleanup", "abort", "ask", "run-cleanup-provisioner"].includes(onError)) {
    io.stderr.write(`-on-error must be one of cleanup, abort, ask, run-cleanup-provisioner (got "${onError}")\n`);
    return 1;
  }
  const interactive = Boolean((io.stdin as { isTTY?: boolean }).isTTY);
  if (onError === "ask" && !interactive) {
    io.stderr.write("-on-error=ask needs an interactive terminal on stdin; use -on-error=abort to keep a failed build for debugging\n");
    return 1;
  }
  // As packer's: any int the flag took; below 1 means no limit.
  const given = parseGoInt(flags.strings["parallel-builds"] ?? "0");
  const parallel = "value" in given && given.value > 0 ? given.value : 0;
  const debug = flags.bools.debug === true;

  const terminal = new TerminalSink({ out: io.stdout, color, timestamps: flags.bools["timestamp-ui"] === true });
  const jsonSink = json ? new JsonSink(io.stdout) : undefined;
  const machineSink = jsonSink ?? (machine ? new MachineReadableSink(io.stdout) : undefined);
  const sink = machineSink ?? terminal;
  const summaryOutput = { terminal, machine: machineSink };

  // A machine-readable line does not carry the newline Packer's ui.Error/ui.Say add.
  const report = (text: string): void => {
    if (machineSink) machineSink.line("", "ui", "error", text.replace(/\n$/, ""));
    else io.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  };
  const say = (text: string): void => {
    if (machineSink) machineSink.line("", "ui", "say", text.replace(/\n$/, ""));
    else io.stdout.write(text);
  };
  const planned = await planSpecs(flags, io, report);
  if (!planned) return 1;
  const specs = planned.specs;
  let policies: Map<string, BuildPolicy>;
  try {
    policies = await resolveBuildPolicies(flags, io.cwd, specs.map((s) => s.name));
  } catch (e) {
    if (!(e instanceof FlagError) && !(e instanceof BuildPolicyError)) throw e;
    io.stderr.write(`${e.message}\n`);
    return 1;
  }
  terminal.assignColours(specs.map((s) => s.name));

  // Like Packer: a build whose configuration is invalid is reported and skipped; the others run.
  const check = checkBuilds(specs, io.cwd, { force: flags.bools.force === true, hostPrograms: true, everyComponent: planned.everyComponent });
  const failedBuilds = new Set(check.diagnostics.map((d) => d.build));
  const unrunnable = unrunnableBuilds(specs, (kind, type) => defaultCatalogue.canRun(kind, type), failedBuilds);
  const errors = [...check.diagnostics, ...unrunnable];
  // Packer writes errors and warnings together, as an error when there is one, else said.
  const text = planned.formatCheck(check, unrunnable);
  if (errors.length > 0) report(text);
  else if (text !== "") say(text);
  const refused = new Set(errors.map((d) => d.build));
  const failed = errors.length > 0;
  const runnable = specs.filter((s) => !refused.has(s.name));
  terminal.announceColours(runnable.map((s) => s.name));

  const controller = new AbortController();
  const stopListening = onInterrupts(
    () => {
      terminal.say("==> Interrupt received. Cancelling every build (cleanups run; press Ctrl-C again to stop at once)...", { error: true });
      controller.abort();
    },
    () => {
      io.stderr.write("Second interrupt: stopping now without cleanup.\n");
      process.exit(130);
    },
  );

  const ask = async (build: string, error: string): Promise<"cleanup" | "abort"> => {
    const rl = createInterface({ input: io.stdin, output: io.stdout });
    try {
      for (;;) {
        const a = (await rl.question(`==> ${build}: Step failed: ${error}\n==> ${build}: [c] Clean up and exit, [a] abort without cleanup: `)).trim().toLowerCase();
        if (a === "c") return "cleanup";
        if (a === "a") return "abort";
      }
    } finally {
      rl.close();
    }
  };
  const pause = debug && interactive
    ? async (step: string): Promise<void> => {
        const rl = createInterface({ input: io.stdin, output: io.stdout });
        await rl.question(`==> Pausing before step "${step}". Press enter to continue. `);
        rl.close();
      }
    : undefined;

  const started = performance.now();
  const limit = debug ? 1 : parallel === 0 ? runnable.length : parallel;
  const outcomes: BuildOutcome[] = [];
  const resume = await ResumeRun.open(io.env, io.cwd);
  const queue = flags.bools.resume === true && flags.bools.force !== true ? await resume.withoutReusable(runnable, sink, outcomes) : [...runnable];
  const worker = async (): Promise<void> => {
    for (let spec = queue.shift(); spec; spec = queue.shift()) {
      const outcome = await runBuildWithPolicy(spec, {
        sink, signal: controller.signal, workDir: io.cwd, onError, ask, force: flags.bools.force === true, pause, warm: flags.bools.warm === true,
      }, policies.get(spec.name));
      outcomes.push(outcome);
      if (!outcome.error && !outcome.cancelled) await resume.remember(spec, outcome.artifacts);
      reportBuildEnded(summaryOutput, outcome.name, outcome.durationMs, outcome.error);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
  await resume.close();
  stopListening();

  reportSummary(summaryOutput, outcomes, specs.map((s) => s.name), performance.now() - started, controller.signal.aborted);
  const exitCode = failed || controller.signal.aborted || outcomes.some((o) => o.error) ? 1 : 0;
  jsonSink?.runFinished(exitCode, outcomes);
  return exitCode;
}
