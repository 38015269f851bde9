/**
 * The agent's side of bench/farm's log data plane, in a process of its own as on a farm: a
 * child's output cut into lines as the agent does and fed to a BusOutputSink on its own NATS
 * connection as fast as it takes them, then the job-finished event. Prints when it began (ms since the epoch, to compare across processes), the
 * milliseconds until everything was stored and its CPU seconds since its first line, then exits.
 *
 *   node dist/bench/farm/log-producer.js NATS_URL BUILD_ID LINES
 */
import { connectBus } from "../../shared/bus/index.js";
import { StringDecoder } from "node:string_decoder";
import { BusOutputSink } from "../../agent/farm/bus-output-sink.js";
import { OutputLines } from "../../agent/local-shell/output-lines.js";
import { xorshift32 } from "../../test/fixtures/xorshift.js";

const [url, buildId, count] = process.argv.slice(2);
const lines = Number(count);
if (!url || !buildId || !Number.isInteger(lines) || lines < 1) {
  console.error("usage: log-producer.js NATS_URL BUILD_ID LINES");
  process.exit(2);
}

/**
 * Words of build logs (apt, compilers, Packer, Ansible), picked by a fixed pseudo-random sequence:
 * lines that compress like real ones, or a little worse (2.8 times with brotli at quality 0, where
 * Debian's changelogs and `ls -lR` output give 3.9). A line repeated over and over would compress
 * some forty times and flatter the bus's compressed log batches.
 */
const WORDS = ("the of and to in is for on with that by this from at be as are it an or was not which setting up unpacking preparing " +
  "selecting previously unselected package processing triggers libc-bin man-db systemd dbus openssh-server linux-image amd64 all " +
  "done reading database files directories currently installed get http deb debian bookworm main security updates fetched kB MB " +
  "in s building dependency tree state information compiling linking CC LD AR gcc -O2 -Wall -fPIC src lib usr share include make " +
  "Entering Leaving directory warning error note install copying running step provisioner shell file upload download waiting " +
  "for SSH connected guest ok changed skipping task play recap").split(" ");

/** Bodies of lines, made before the clock starts (an agent reads its lines, it does not make them): more than a batch holds, so none repeats within one. */
const BODIES = ((): string[] => {
  const next = xorshift32(0x9e3779b9);
  return Array.from({ length: 8192 }, () => {
    const words = Array.from({ length: 6 + (next() % 10) }, () => WORDS[next() % WORDS.length]);
    return `${words.join(" ")} ${next() % 100000}.${next() % 1000}`;
  });
})();

/** "log line NNNNNNNN …": bench/farm/run.ts checks the number to see lines arrive in order, once each. */
export const numberedLine = (n: number): string => `log line ${String(n).padStart(8, "0")} ${BODIES[n % BODIES.length]}`;

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
/**
 * The job's output as a child's stdout pipe hands it to the agent: 64 KiB chunks cut anywhere
 * (mid-line, mid-character), made before the clock starts. In the clock the agent's own path for a
 * shell-local child (agent/local-shell/process-group.ts) decodes each chunk and cuts it into
 * lines (passed on whole when none needs cleaning), a chunk per event-loop turn as 'data' events come; lines made in the loop were
 * concatenated strings V8 had to flatten, which no agent's lines are.
 */
const CHUNKS = ((): Buffer[] => {
  const text = Buffer.from(`${Array.from({ length: lines }, (_, i) => numberedLine(i + 1)).join("\n")}\n`);
  return Array.from({ length: Math.ceil(text.length / 65536) }, (_, i) => text.subarray(i * 65536, (i + 1) * 65536));
})();

const t0 = performance.now();
const cpu0 = process.cpuUsage();
const startedAt = Date.now(); // wall clock: compared with the bench's, another process
const decoder = new StringDecoder("utf8");
// As run-shell-local hands them to the build's UI: a chunk's lines whole (BuildUi.outputLines) when none needs cleaning.
const stdout = new OutputLines(
  (text) => sink.emit({ kind: "ui", build: "chatty", level: "message", text }),
  (text) => sink.emit({ kind: "ui", build: "chatty", level: "message", text, lines: true }),
);
for (const chunk of CHUNKS) {
  stdout.push(decoder.write(chunk));
  await new Promise((r) => setImmediate(r));
}
stdout.flush();
sink.event({ kind: "job-finished", jobIndex: 0, name: "chatty", state: "succeeded", durationMs: 0, artifacts: [], time: new Date().toISOString() });
await sink.flush();
const cpu = process.cpuUsage(cpu0);
console.log(`${startedAt} ${performance.now() - t0} ${(cpu.user + cpu.system) / 1e6}`);
await bus.close();
process.exitCode = failed ? 1 : 0;
