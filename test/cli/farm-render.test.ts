import test from "ava";
import { Writable } from "node:stream";
import { State, type BuildOutput } from "../../proto/gen/kiln/v1/farm.js";
import { BuildOutputRenderer, MANIFEST_BUILDER_ID } from "../../cli/farm-client/render.js";
import { reportSummary } from "../../cli/output/build-summary.js";
import { MachineReadableSink, TerminalSink } from "../../cli/output/terminal-sink.js";

class Collect extends Writable {
  text = "";
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const artifact = { builderId: "packer.file", id: "greeting.txt", description: "Stored file: greeting.txt", files: [{ path: "greeting.txt", size: 12, sha256: "a".repeat(64), object: "" }] };
const manifestRef = { builderId: MANIFEST_BUILDER_ID, id: "packer-manifest.json", description: "", files: [{ path: "packer-manifest.json", size: 100, sha256: "b".repeat(64), object: "" }] };

/** What a controller streams for a two-job build: one succeeds on one agent, one fails on another. */
const recorded: BuildOutput[] = [
  { sequence: 1, time: "", event: { jobIndex: 0, name: "greeting", kind: "started", state: State.STATE_RUNNING, agent: "agent-file", error: "", reason: "", durationMs: 0, artifacts: [] } },
  { sequence: 2, time: "", log: { jobIndex: 0, label: "greeting", level: "say", text: "Copying file...", encodedText: new Uint8Array(0), textEncoding: "", textBytes: 0 } },
  { sequence: 3, time: "", event: { jobIndex: 1, name: "local", kind: "waiting", state: State.STATE_QUEUED, agent: "", error: "", reason: "waiting for an agent with: qemu", durationMs: 0, artifacts: [] } },
  { sequence: 4, time: "", log: { jobIndex: 1, label: "local", level: "message", text: "about to fail\nsecond line", encodedText: new Uint8Array(0), textEncoding: "", textBytes: 0 } },
  { sequence: 5, time: "", log: { jobIndex: 0, label: "greeting (manifest)", level: "say", text: "Adding build to manifest", encodedText: new Uint8Array(0), textEncoding: "", textBytes: 0 } },
  { sequence: 6, time: "", machine: { jobIndex: 0, target: "greeting", type: "artifact-count", data: ["1"] } },
  { sequence: 7, time: "", event: { jobIndex: 0, name: "greeting", kind: "finished", state: State.STATE_SUCCEEDED, agent: "agent-file", error: "", reason: "", durationMs: 1203, artifacts: [artifact, manifestRef] } },
  { sequence: 8, time: "", log: { jobIndex: 1, label: "local", level: "error", text: "Erroneous exit code 3", encodedText: new Uint8Array(0), textEncoding: "", textBytes: 0 } },
  { sequence: 9, time: "", event: { jobIndex: 1, name: "local", kind: "finished", state: State.STATE_FAILED, agent: "agent-null", error: "Script exited with non-zero exit status: 3", reason: "", durationMs: 40, artifacts: [] } },
];

test("a recorded farm stream renders as a local build prints: step lines, details, errors, finished lines, summary", (t) => {
  const out = new Collect();
  const terminal = new TerminalSink({ out, color: false, timestamps: false });
  const notices: string[] = [];
  const r = new BuildOutputRenderer({ terminal }, (n) => notices.push(n));
  for (const item of recorded) r.show(item);
  // A repeated finished event (redelivered after a controller restart) is shown once.
  r.show(recorded[6]);
  reportSummary({ terminal }, r.outcomes(), ["greeting", "local"], 2000, false);
  t.is(
    out.text,
    [
      "==> greeting: Copying file...",
      "    local: about to fail",
      "    local: second line",
      "==> greeting (manifest): Adding build to manifest",
      "Build 'greeting' finished after 1 second 203 milliseconds.",
      "==> local: Erroneous exit code 3",
      "Build 'local' errored after 40 milliseconds: Script exited with non-zero exit status: 3",
      "",
      "==> Wait completed after 2 seconds",
      "",
      "==> Some builds didn't complete successfully and had errors:",
      "--> local: Script exited with non-zero exit status: 3",
      "",
      "==> Builds finished. The artifacts of successful builds are:",
      "--> greeting: Stored file: greeting.txt",
      "",
    ].join("\n"),
  );
  t.deepEqual(notices, ["greeting: running on agent agent-file", "local: waiting for an agent with: qemu"]);
  const outcomes = r.outcomes();
  t.deepEqual(outcomes.map((o) => [o.jobIndex, o.name, o.error]), [[0, "greeting", undefined], [1, "local", "Script exited with non-zero exit status: 3"]]);
  // The manifest file is downloaded (and merged), but not listed as an artifact.
  t.is(outcomes[0].artifactRefs.length, 2);
  t.is(outcomes[0].artifacts.length, 1);
});

test("machine-readable: ui lines, machine records and artifacts as Packer writes them", (t) => {
  const out = new Collect();
  const machine = new MachineReadableSink(out);
  const terminal = new TerminalSink({ out: new Collect(), color: false, timestamps: false });
  const r = new BuildOutputRenderer({ terminal, machine });
  for (const item of recorded) r.show(item);
  reportSummary({ terminal, machine }, r.outcomes(), ["greeting", "local"], 2000, false);
  const lines = out.text.split("\n").filter((l) => l !== "").map((l) => l.replace(/^\d+,/, ""));
  t.true(lines.includes(",ui,say,==> greeting: Copying file..."));
  // A LogLine holds a batch of lines: a record each, as Packer writes each line of a program's output.
  t.true(lines.includes(",ui,message,    local: about to fail"));
  t.true(lines.includes(",ui,message,    local: second line"));
  t.true(lines.includes("greeting,artifact-count,1"));
  t.true(lines.includes("local,error,Script exited with non-zero exit status: 3"));
  t.true(lines.includes("greeting,artifact,0,builder-id,packer.file"));
  t.true(lines.includes("greeting,artifact,0,file,0,greeting.txt"));
  t.false(lines.some((l) => l.includes(MANIFEST_BUILDER_ID)));
});

test("a cancelled job reads as a cancelled local build", (t) => {
  const out = new Collect();
  const terminal = new TerminalSink({ out, color: false, timestamps: false });
  const r = new BuildOutputRenderer({ terminal });
  r.show({ sequence: 1, time: "", event: { jobIndex: 0, name: "slow", kind: "finished", state: State.STATE_CANCELLED, agent: "a", error: "", reason: "", durationMs: 5, artifacts: [] } });
  t.is(out.text, "Build 'slow' errored after 5 milliseconds: Build was cancelled.\n");
  t.true(r.outcomes()[0].cancelled);
});

test("machine-readable: a chunk of output lines is a record per line, a message spanning lines one record, as Packer writes them", (t) => {
  const out = new Collect();
  const machine = new MachineReadableSink(out);
  machine.emit({ kind: "ui", build: "vm", level: "message", text: "one\ntwo, three\n", lines: true });
  machine.emit({ kind: "ui", build: "vm", level: "error", text: "Error: first\nsecond" });
  t.deepEqual(
    out.text.split("\n").filter((l) => l !== "").map((l) => l.replace(/^\d+,/, "")),
    // Packer 1.6.6's TargetedUI prefixes every line of a message (seen on a failed docker upload:
    // "ui,error,==> docker: Upload failed: …\n==> docker: . exit status 1.").
    [",ui,message,    vm: one", ",ui,message,    vm: two%!(PACKER_COMMA) three", ",ui,error,==> vm: Error: first\\n==> vm: second"],
  );
});
