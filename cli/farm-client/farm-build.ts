/**
 * `kiln build --controller HOST:PORT TEMPLATE`: the same command, output and exit code as a local
 * build, with the builds run by farm agents. Submits the template, shows every job's output as
 * it streams back, fetches the artifact files into the working directory (merging the manifest
 * post-processor's files), then prints Packer's summary. Ctrl-C once cancels the build on its
 * agents (cleanups run there) and waits for that; twice exits at once.
 */
import { status } from "@grpc/grpc-js";
import type { Build } from "../../proto/gen/kiln/v1/farm.js";
import { FlagError, type ParsedFlags } from "../flags.js";
import type { CommandIO } from "../io.js";
import { reportSummary, type SummaryOutput } from "../output/build-summary.js";
import { MachineReadableSink, TerminalSink } from "../output/terminal-sink.js";
import { JsonSink } from "../output/json-sink.js";
import { connectFromFlags, FarmClientError, type FarmConnection } from "./connect.js";
import { artifactStoreFromFlags, type ArtifactStoreReader } from "./artifact-store.js";
import { fetchArtifacts } from "./fetch-artifacts.js";
import { BuildOutputRenderer } from "./render.js";
import { isFinalState } from "./states.js";
import { prepareSubmission } from "./submission.js";
import { watchBuildOutput } from "./watch.js";
import { onInterrupts } from "../stop-signal.js";

export async function runFarmBuild(flags: ParsedFlags, io: CommandIO): Promise<number> {
  const json = flags.bools.json === true;
  const machine = io.machineReadable || flags.bools["machine-readable"] === true || json;
  const color = flags.bools.color !== false && !io.env.PACKER_NO_COLOR && !io.env.NO_COLOR && !machine;
  const terminal = new TerminalSink({ out: io.stdout, color, timestamps: flags.bools["timestamp-ui"] === true });
  // -json: the agents' structured events come back as records in the output stream, so the
  // same JSON lines as a local build are printed here.
  const jsonSink = json ? new JsonSink(io.stdout) : undefined;
  const machineSink = jsonSink ?? (machine ? new MachineReadableSink(io.stdout) : undefined);
  const out: SummaryOutput = { terminal, machine: machineSink };
  // A machine-readable line does not carry the newline Packer's ui.Error/ui.Say add.
  const report = (text: string): void => {
    if (machineSink) machineSink.line("", "ui", "error", text.replace(/\n$/, ""));
    else io.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  };
  const say = (text: string): void => {
    if (machineSink) machineSink.line("", "ui", "say", text.replace(/\n$/, ""));
    else io.stdout.write(text);
  };
  const notice = (text: string): void => void io.stderr.write(`kiln: ${text}\n`);
  if (flags.bools.debug) {
    io.stderr.write("-debug pauses between steps at a terminal beside the build; it cannot be used with --controller (build locally instead)\n");
    return 1;
  }

  let store: ArtifactStoreReader | undefined;
  try {
    store = artifactStoreFromFlags(flags, "build", (text) => void io.stderr.write(`${text}\n`));
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    io.stderr.write(`${e.message}\n`);
    return 1;
  }

  const submission = await prepareSubmission(flags, io.cwd, io.env, { report, say, flagError: (t) => void io.stderr.write(`${t}\n`) });
  if (!submission) return 1;
  const started = performance.now();
  if (submission.buildNames.length === 0) {
    reportSummary(out, [], [], performance.now() - started, false);
    return submission.someRefused ? 1 : 0;
  }

  let conn: FarmConnection;
  try {
    conn = connectFromFlags(flags, notice);
  } catch (e) {
    if (!(e instanceof FarmClientError)) throw e;
    io.stderr.write(`${e.message}\n`);
    return 1;
  }
  try {
    let build: Build | undefined;
    try {
      const res = await conn.submitBuild(submission.request);
      build = res.build;
      for (const w of res.warnings) notice(`warning: ${w}`);
    } catch (e) {
      const err = conn.explain(e);
      // INVALID_ARGUMENT carries `kiln validate`'s report: show it where a local build would.
      if (err.code === status.INVALID_ARGUMENT) report(err.message);
      else io.stderr.write(`${err.message}\n`);
      return 1;
    }
    if (!build) {
      io.stderr.write("the controller accepted the build but did not say its id\n");
      return 1;
    }
    const buildId = build.id;
    notice(`build ${buildId} submitted to ${conn.options.address} (follow it elsewhere with \`kiln logs -f ${buildId}\`)`);
    const names = build.jobs.length > 0 ? [...build.jobs].sort((a, b) => a.index - b.index).map((j) => j.name) : submission.buildNames;
    terminal.assignColours(names);
    terminal.announceColours(names);

    const renderer = new BuildOutputRenderer(out, notice);
    const stopWatching = new AbortController();
    let interruptedByUser = false;
    const stopListening = onInterrupts(
      () => {
        interruptedByUser = true;
        terminal.say("==> Interrupt received. Cancelling every build (cleanups run; press Ctrl-C again to stop at once)...", { error: true });
        conn.cancelBuild(buildId).catch((e: unknown) => notice(`could not cancel build ${buildId}: ${conn.explain(e).message}`));
      },
      () => {
        io.stderr.write(`Second interrupt: stopping now; build ${buildId} may still be cleaning up on its agents.\n`);
        stopWatching.abort();
        process.exit(130);
      },
    );
    try {
      await watchBuildOutput(conn, {
        buildId,
        follow: true,
        onItem: (item) => renderer.show(item),
        onReconnecting: (why) => notice(`lost the controller (${why}); reconnecting...`),
        signal: stopWatching.signal,
      });
    } finally {
      stopListening();
    }

    // Jobs that ended without a finished event (dropped while queued) come from the record.
    const final = await conn.getBuild(buildId);
    for (const job of [...final.jobs].sort((a, b) => a.index - b.index)) {
      if (renderer.hasFinished(job.index) || !isFinalState(job.state)) continue;
      renderer.show({
        sequence: 0,
        time: job.finishedAt,
        event: { jobIndex: job.index, name: job.name, kind: "finished", state: job.state, agent: job.agent, error: job.error, reason: "", durationMs: 0, artifacts: job.artifacts },
      });
    }
    const outcomes = renderer.outcomes();
    let downloadFailed = false;
    try {
      await fetchArtifacts(conn, buildId, outcomes, io.cwd, flags.bools.force === true, { store });
    } catch (e) {
      downloadFailed = true;
      const message = conn.explain(e).message;
      if (machineSink) machineSink.line("", "ui", "error", message);
      else terminal.say(message, { error: true });
    }
    const interrupted = interruptedByUser;
    reportSummary(out, outcomes, names, performance.now() - started, interrupted);
    const failed = outcomes.length < names.length || outcomes.some((o) => o.error);
    const exitCode = submission.someRefused || interrupted || failed || downloadFailed ? 1 : 0;
    jsonSink?.runFinished(exitCode, outcomes);
    return exitCode;
  } catch (e) {
    io.stderr.write(`${conn.explain(e).message}\n`);
    return 1;
  } finally {
    conn.close();
    await store?.close();
  }
}
