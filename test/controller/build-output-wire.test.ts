import test from "ava";
import { randomBytes } from "node:crypto";
import { BuildOutput, State } from "../../proto/gen/kiln/v1/farm.js";
import { encodeBuildOutput } from "../../controller/build-output-wire.js";

const log = (text: string, encodedText = new Uint8Array(0), textEncoding = "", textBytes = 0): BuildOutput["log"] => ({ jobIndex: 7, label: "vm ünïcode (shell-local)", level: "message", text, encodedText, textEncoding, textBytes });

const cases: [string, BuildOutput][] = [
  ["a short line (the generated encoder's path)", { sequence: 3, time: "2026-12-06T23:00:00Z", log: log("one line") }],
  ["a batch of plain multi-byte text", { sequence: 2 ** 40, time: "t", log: log(Array.from({ length: 3000 }, (_, i) => `línea ${i} — ✓`).join("\n")) }],
  ["a compressed batch passed on as stored", { sequence: 9, time: "t", log: log("", randomBytes(30_000), "lz4", 65_000) }],
  ["a compressed batch with a 1-byte length", { sequence: 1, time: "", log: log("", randomBytes(1500), "br", 9000) }],
  ["text and encoded text both set", { sequence: 1, time: "", log: log("x".repeat(2000), randomBytes(2000), "lz4", 4000) }],
  ["job 0 and no time", { sequence: 0, time: "", log: { ...log("y".repeat(5000))!, jobIndex: 0 } }],
  ["an event (the generated encoder's path)", { sequence: 4, time: "t", event: { jobIndex: 1, name: "vm", kind: "finished", state: State.STATE_SUCCEEDED, agent: "a1", error: "", reason: "", durationMs: 12, artifacts: [] } }],
  ["a machine record", { sequence: 5, time: "t", machine: { jobIndex: 0, target: "vm", type: "artifact-count", data: ["1"] } }],
];

for (const [what, item] of cases) {
  test(`WatchBuild items decode to what the generated encoder's bytes decode to: ${what}`, (t) => {
    const fast = encodeBuildOutput(item);
    const generated = BuildOutput.encode(item).finish();
    t.deepEqual(plain(BuildOutput.decode(fast)), plain(BuildOutput.decode(generated)));
    const back = plain(BuildOutput.decode(fast));
    t.deepEqual([back.sequence, back.time, back.log, back.event, back.machine], [item.sequence, item.time, plain(item).log, item.event, item.machine]);
    t.is(fast.length, generated.length, "the same size: the same fields, only in another order");
  });
}

/** Decoded bytes fields are Buffers over the input: compared as plain Uint8Arrays. */
function plain(item: BuildOutput): BuildOutput {
  return item.log ? { ...item, log: { ...item.log, encodedText: new Uint8Array(item.log.encodedText) } } : item;
}
