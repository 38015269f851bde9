import test from "ava";
import { DeliverPolicy } from "@nats-io/jetstream";
import { BUILD_OUTPUT_STREAM, buildOutputFilter, decodeLogLine } from "../../../shared/bus/index.js";
import { startAgent } from "../../../agent/farm/index.js";
import { finished, jobRecord, startFarm, submitTemplate, waitFor } from "./farm-jobs.js";

test("nats-server restarts mid-job: the job finishes, its record says so and no log line is lost or doubled", async (t) => {
  const farm = await startFarm();
  t.teardown(() => farm.stop());
  const agent = await startAgent({ nats: { url: farm.nats.url }, name: "agent-r", builders: ["null"] });
  t.teardown(() => agent.stop());
  const { buildId } = await submitTemplate(farm.bus, {
    builders: [{ type: "null", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: ["for i in $(seq 1 40); do echo tick-$i; sleep 0.1; done"] }],
  });
  await waitFor("the job to run", () => jobRecord(farm.bus, buildId, 0), (r) => r?.state === "running");
  await new Promise((r) => setTimeout(r, 1200));
  await farm.nats.restart();

  const done = await waitFor("the job to finish", () => jobRecord(farm.bus, buildId, 0).catch(() => undefined), finished, 60_000);
  t.is(done?.state, "succeeded");
  t.is(done?.attempts, 1, "not redelivered: the agent rode out the restart");

  const consumer = await farm.bus.js.consumers.get(BUILD_OUTPUT_STREAM, { filter_subjects: buildOutputFilter(buildId), deliver_policy: DeliverPolicy.All });
  const ticks: number[] = [];
  const messages = await consumer.consume();
  for await (const m of messages) {
    if (m.subject.endsWith(".log")) {
      // One LogLine may carry several consecutive lines.
      for (const text of decodeLogLine(m.data, m.subject, m.headers).text.split("\n")) {
        const hit = /tick-(\d+)$/.exec(text);
        if (hit) ticks.push(Number(hit[1]));
      }
    }
    if (m.info.pending === 0) break;
  }
  t.deepEqual(ticks, Array.from({ length: 40 }, (_, i) => i + 1));
});
