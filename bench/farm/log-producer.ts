/**
 * The agent's side of bench/farm's log data plane, in a process of its own as on a farm: a
 * BusOutputSink on its own NATS connection fed numbered lines as fast as it takes them, then the
 * job-finished event. Prints when it began (ms since the epoch, to compare across processes), the
 * milliseconds until everything was stored and its CPU seconds, then exits.
 *
 *   node dist/bench/farm/log-producer.js NATS_URL BUILD_ID LINES
 */
import { connectBus } from "../../shared/bus/index.js";
import { BusOutputSink } from "../../agent/farm/bus-output-sink.js";

const [url, buildId, count] = process.argv.slice(2);
const lines = Number(count);
if (!url || !buildId || !Number.isInteger(lines) || lines < 1) {
  console.error("usage: log-producer.js NATS_URL BUILD_ID LINES");
  process.exit(2);
}

export const numberedLine = (n: number): string => `log line ${String(n).padStart(8, "0")} of the throughput benchmark, padded to about one hundred bytes.....`;

const bus = await connectBus({ url, name: "kiln-agent bench-log-producer" });
let failed = false;
const sink = new BusOutputSink(bus.js, {
  buildId,
  agentName: "bench-log-producer", // bench/farm/run.ts records the job as held by this name
  jobIndex: 0,
  attempt: 1,
  onPublishError: (e) => {
    failed = true;
    console.error(`publish error: ${e.message}`);
  },
});
const t0 = performance.now();
const startedAt = Date.now(); // wall clock: compared with the bench's, another process
for (let n = 1; n <= lines; n++) {
  sink.emit({ kind: "ui", build: "chatty", level: "message", text: numberedLine(n) });
  // A runner emits as a child's output arrives: give the sink's publishes a turn now and then.
  if (n % 2000 === 0) await new Promise((r) => setImmediate(r));
}
sink.event({ kind: "job-finished", jobIndex: 0, name: "chatty", state: "succeeded", durationMs: 0, artifacts: [], time: new Date().toISOString() });
await sink.flush();
const cpu = process.cpuUsage();
console.log(`${startedAt} ${performance.now() - t0} ${(cpu.user + cpu.system) / 1e6}`);
await bus.close();
process.exitCode = failed ? 1 : 0;
