import test from "ava";
import {
  BusDecodeError,
  connectBus,
  decodeBuildEvent,
  decodeControl,
  decodeJob,
  decodeJobRecord,
  decodeLogLine,
  encode,
  ensureFarmResources,
  ensureJobConsumer,
  JOBS_STREAM,
  jobConsumer,
  jobSubject,
  type LogLine,
} from "../../../shared/bus/index.js";
import { startNatsServer } from "../../fixtures/nats-server.js";

test("garbage pulled from the jobs stream raises BusDecodeError naming the message kind, subject and reason", async (t) => {
  const server = await startNatsServer();
  t.teardown(() => server.stop());
  const bus = await connectBus({ url: server.url, name: "garbage" });
  t.teardown(() => bus.close());
  await ensureFarmResources(bus.nc, { ackWaitMs: 30_000, maxDeliver: 3, presenceTtlMs: 15_000 });
  await ensureJobConsumer(bus.jsm, "null", { ackWaitMs: 30_000, maxDeliver: 3 });

  await bus.js.publish(jobSubject("null"), new Uint8Array([0xff, 0x00, 0x7b]));
  await bus.js.publish(jobSubject("null"), encode({ buildId: "b1", jobIndex: -1 }));
  const consumer = await bus.js.consumers.get(JOBS_STREAM, jobConsumer("null"));

  const binary = await consumer.next({ expires: 2000 });
  const e1 = t.throws(() => decodeJob(binary?.data ?? new Uint8Array(), binary?.subject ?? ""), { instanceOf: BusDecodeError });
  t.regex(e1?.message ?? "", /^undecodable job message on kiln\.jobs\.null: not JSON/);
  binary?.term();

  const partial = await consumer.next({ expires: 2000 });
  const e2 = t.throws(() => decodeJob(partial?.data ?? new Uint8Array(), partial?.subject ?? ""), { instanceOf: BusDecodeError });
  t.is(e2?.subject, "kiln.jobs.null");
  t.regex(e2?.reason ?? "", /^jobIndex: /);
  partial?.term();
});

test("every decoder refuses wrong shapes and accepts the real ones", (t) => {
  const line: LogLine = { jobIndex: 0, label: "vm", level: "say", text: "==> vm: hi", time: new Date().toISOString() };
  t.deepEqual(decodeLogLine(encode(line), "kiln.build.b1.log"), line);
  t.throws(() => decodeLogLine(encode({ ...line, level: "shout" }), "kiln.build.b1.log"), { instanceOf: BusDecodeError, message: /level/ });
  t.throws(() => decodeBuildEvent(encode({ kind: "exploded", jobIndex: 0 }), "kiln.build.b1.event"), { instanceOf: BusDecodeError });
  t.throws(() => decodeControl("null", "kiln.control.b1"), { instanceOf: BusDecodeError, message: /control message on kiln\.control\.b1/ });
  t.throws(() => decodeJobRecord("[]", "$KV.kiln_builds.job.b1.0"), { instanceOf: BusDecodeError });
  t.throws(() => decodeJob("", "kiln.jobs.null"), { instanceOf: BusDecodeError, message: /not JSON/ });
});
