/**
 * What `kiln build` prints when a build ends and when they all have: "Build 'x' finished after …"
 * and Packer's closing summary. Local builds and farm builds (`--controller`) print the same, so
 * both use these.
 */
import { humanDuration, type MachineReadableSink, type TerminalSink } from "./terminal-sink.js";

/** An artifact as the summary shows it (the runner's Artifact, or one a farm job reported). */
export interface SummaryArtifact {
  builderId: string;
  id: string;
  description: string;
  files: readonly string[];
}

/** One build's result as the summary needs it. */
export interface SummaryOutcome {
  name: string;
  artifacts: readonly SummaryArtifact[];
  error?: string;
}

/** Where build output goes: the terminal, or Packer's machine-readable lines when asked for. */
export interface SummaryOutput {
  terminal: TerminalSink;
  machine?: MachineReadableSink;
}

/** "Build 'x' finished after …" or "Build 'x' errored after …: cause", as Packer prints it. */
export function reportBuildEnded(out: SummaryOutput, name: string, durationMs: number, error: string | undefined): void {
  const when = humanDuration(durationMs);
  if (error) {
    const line = `Build '${name}' errored after ${when}: ${error}`;
    // The `name,error,…` record comes in the summary, after `error-count`, as Packer writes it.
    if (out.machine) out.machine.line("", "ui", "error", line);
    else out.terminal.say(line, { build: name, error: true });
  } else if (out.machine) out.machine.line("", "ui", "say", `Build '${name}' finished after ${when}.`);
  else out.terminal.say(`Build '${name}' finished after ${when}.`, { build: name });
}

/**
 * Packer's closing lines: wait time, interruption, errors, then the artifacts of every build in
 * build-name order (`buildOrder`), whatever order they finished in.
 */
export function reportSummary(
  out: SummaryOutput,
  outcomes: readonly SummaryOutcome[],
  buildOrder: readonly string[],
  elapsedMs: number,
  interrupted: boolean,
): void {
  const { terminal, machine } = out;
  const order = new Map(buildOrder.map((name, i) => [name, i]));
  const sorted = [...outcomes].sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  const say = (text: string, error = false): void => {
    if (machine) machine.line("", "ui", error ? "error" : "say", text);
    else terminal.say(text);
  };
  say(`\n==> Wait completed after ${humanDuration(elapsedMs)}`);
  if (interrupted) say("Cleanly cancelled builds after being interrupted.", true);
  const errored = sorted.filter((o) => o.error);
  if (errored.length > 0) {
    machine?.line("", "error-count", String(errored.length));
    say("\n==> Some builds didn't complete successfully and had errors:", true);
    for (const o of errored) {
      machine?.line(o.name, "error", o.error ?? "");
      say(`--> ${o.name}: ${o.error}`, true);
    }
  }
  // Packer records a build's artifacts only when the build has no error: a failed post-processor
  // leaves the artifacts its other chains made unlisted.
  const withArtifacts = sorted.filter((o) => o.artifacts.length > 0 && !o.error);
  if (withArtifacts.length === 0) {
    say("\n==> Builds finished but no artifacts were created.");
    return;
  }
  say("\n==> Builds finished. The artifacts of successful builds are:");
  for (const o of withArtifacts) {
    machine?.line(o.name, "artifact-count", String(o.artifacts.length));
    // Packer writes an artifact's records first, then its "--> name: …" line.
    o.artifacts.forEach((a, i) => {
      if (machine) {
        const n = String(i);
        machine.line(o.name, "artifact", n, "builder-id", a.builderId);
        machine.line(o.name, "artifact", n, "id", a.id);
        machine.line(o.name, "artifact", n, "string", a.description);
        machine.line(o.name, "artifact", n, "files-count", String(a.files.length));
        a.files.forEach((f, j) => machine.line(o.name, "artifact", n, "file", String(j), f));
        machine.line(o.name, "artifact", n, "end");
      }
      say(`--> ${o.name}: ${a.description}`);
    });
  }
}
