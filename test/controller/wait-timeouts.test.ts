import test from "ava";
import type { KV } from "@nats-io/kv";
import { BundleCache } from "../../controller/bundle-cache.js";
import type { ControllerContext } from "../../controller/context.js";
import { DEFAULT_SETTINGS } from "../../controller/server.js";
import { failJobsWaitingTooLong, type SweepMemory } from "../../controller/wait-timeouts.js";
import { buildKey, connectBus, decodeJobRecord, encode, jobKey, type BuildRecord, type JobRecord } from "../../shared/bus/index.js";
import { ensureFarmResources } from "../../shared/bus/resources.js";
import { silentLog } from "../../shared/operator-log.js";
import { startNatsServer } from "../fixtures/nats-server.js";

/** The bucket as the sweep sees it, counting the entries it reads. */
function countingGets(kv: KV): { kv: KV; gets: () => number } {
  let gets = 0;
  const counted = new Proxy(kv, {
    get(target, prop, receiver) {
      if (prop === "get") {
        return (...args: Parameters<KV["get"]>) => {
          gets++;
          return target.get(...args);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: counted, gets: () => gets };
}

test("the wait-timeout sweep reads a finished or timeout-free build once and a young build again only after its deadline", async (t) => {
  t.timeout(60_000);
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const bus = await connectBus({ url: nats.url, name: "kiln-controller sweep test" });
  t.teardown(() => bus.close());
  await ensureFarmResources(bus.nc, { ackWaitMs: 30_000, maxDeliver: 3, presenceTtlMs: 15_000 });

  const now = Date.now();
  const hour = 3600_000;
  const put = async (id: string, submittedAt: number, waitTimeoutMs: number, state: JobRecord["state"]): Promise<void> => {
    const job: JobRecord = { buildId: id, jobIndex: 0, name: "d", builderType: "docker", needs: ["docker"], state, attempts: 0, artifacts: [] };
    const record: BuildRecord = { id, template: "t.json", submittedAt: new Date(submittedAt).toISOString(), jobCount: 1, jobNames: ["d"], cancelRequested: false, waitTimeoutMs };
    await bus.builds.create(jobKey(id, 0), encode(job));
    await bus.builds.create(buildKey(id), encode(record));
  };
  await put("finished", now - 2 * hour, hour, "succeeded");
  await put("forever", now - 2 * hour, 0, "queued");
  await put("young", now, hour, "queued");

  const counting = countingGets(bus.builds);
  const ctx: ControllerContext = { bus: { ...bus, builds: counting.kv }, settings: DEFAULT_SETTINGS, log: silentLog, bundles: new BundleCache() };
  const memory: SweepMemory = new Map();

  t.is(await failJobsWaitingTooLong(ctx, now, memory), 0);
  const firstSweep = counting.gets();
  t.true(firstSweep >= 3, `the first sweep reads every build (${firstSweep} gets)`);
  t.is(memory.get("finished"), "never");
  t.is(memory.get("forever"), "never");
  t.is(memory.get("young"), now + hour);

  t.is(await failJobsWaitingTooLong(ctx, now + 1000, memory), 0);
  t.is(counting.gets(), firstSweep, "a second sweep before any deadline reads no build");

  // Past the young build's deadline, with no agent that runs docker: its job fails.
  t.is(await failJobsWaitingTooLong(ctx, now + hour + 1, memory), 1);
  const entry = await bus.builds.get(jobKey("young", 0));
  const job = decodeJobRecord(entry!.value, entry!.key);
  t.is(job.state, "failed");
  t.regex(job.error ?? "", /wait timeout/);
  t.is((await bus.builds.get(jobKey("forever", 0)))!.json<JobRecord>().state, "queued", "a build without a timeout waits forever");
});
