/**
 * The agent's bundle cache when several jobs of one template start at once on one agent (a
 * fan-out's builds usually do): each job gets its own extracted copy, the bundle is downloaded
 * once, and no download's temporary file is renamed from under another (this failed a farm build
 * with "ENOENT … rename …partial" when two fetches began in the same millisecond), and the
 * download's consumer is deleted once read.
 */
import test, { type ExecutionContext } from "ava";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { ObjectInfo, ObjectStore } from "@nats-io/obj";
import { fetchBundle } from "../../../agent/farm/bundle-fetch.js";
import { BUNDLES_STORE, connectBus, ensureFarmResources, type Bus, type ObjectSource } from "../../../shared/bus/index.js";
import { startNatsServer } from "../../fixtures/nats-server.js";
import { waitFor } from "./farm-jobs.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

/** A NATS server with the farm's resources, and a bundle of `template` stored in it. */
async function storedBundle(t: ExecutionContext, template: string): Promise<{ bus: Bus; dir: string; bytes: Buffer; sha256: string; info: ObjectInfo }> {
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const bus = await connectBus({ url: nats.url, name: "bundle fetch test" });
  t.teardown(() => bus.close());
  await ensureFarmResources(bus.nc, { ackWaitMs: 30_000, maxDeliver: 3, presenceTtlMs: 15_000 });
  const dir = tempDirSync("kiln-bundle-fetch-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "src"));
  writeFileSync(join(dir, "src", "template.json"), template);
  execFileSync("tar", ["-czf", join(dir, "bundle.tgz"), "."], { cwd: join(dir, "src") });
  const bytes = readFileSync(join(dir, "bundle.tgz"));
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const info = await bus.bundles.putBlob({ name: sha256 }, bytes);
  return { bus, dir, bytes, sha256, info };
}

/** The bundles store as fetchBundle reads it, calling `beforeInfo` before each object lookup (a download begins with one). */
function bundleSource(bus: Bus, beforeInfo: () => void | Promise<void>): ObjectSource {
  const store = new Proxy(bus.bundles, {
    get(target, key, receiver) {
      if (key === "info") {
        return async (name: string) => {
          await beforeInfo();
          return target.info(name);
        };
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  }) as ObjectStore;
  return { js: bus.js, bucket: BUNDLES_STORE, store };
}

test("jobs of one bundle starting together share one download and each get their copy", async (t) => {
  t.timeout(60_000);
  const { bus, dir, bytes, sha256 } = await storedBundle(t, '{"builders":[{"type":"null","communicator":"none"}]}');

  // Downloads are counted by the object lookups they begin with.
  let gets = 0;
  const counted = bundleSource(bus, () => {
    gets++;
  });

  const cache = join(dir, "cache");
  const jobs = [1, 2, 3, 4].map((n) => fetchBundle(counted, { sha256, size: bytes.length }, cache, join(dir, `job-${n}`)));
  const results = await Promise.allSettled(jobs);
  t.deepEqual(results.map((r) => r.status), ["fulfilled", "fulfilled", "fulfilled", "fulfilled"], JSON.stringify(results.filter((r) => r.status === "rejected")));
  for (const n of [1, 2, 3, 4]) t.is(readFileSync(join(dir, `job-${n}`, "template.json"), "utf8"), '{"builders":[{"type":"null","communicator":"none"}]}');
  t.is(gets, 1, "one download for the four jobs");
  t.deepEqual(readdirSync(cache), [`${sha256}.tar.gz`], "no partial download left behind");
  // The download's consumer is gone from the server at once, not left for five idle minutes.
  const consumers: string[] = [];
  for await (const c of bus.jsm.consumers.list(`OBJ_${BUNDLES_STORE}`)) consumers.push(c.name);
  t.deepEqual(consumers, [], "no consumer left on the bundles' stream");

  // A later job finds it cached: no download at all.
  await fetchBundle(counted, { sha256, size: bytes.length }, cache, join(dir, "job-5"));
  t.is(gets, 1);
});

test("a job stopped while its bundle does not come stops waiting at once; another job of the bundle still gets it", async (t) => {
  t.timeout(60_000);
  const { bus, dir, bytes, sha256, info } = await storedBundle(t, '{"builders":[{"type":"null","name":"slow","communicator":"none"}]}');
  // The object's description stays; its one chunk leaves the stream: the read waits a quiet period
  // (5 s) for it before asking the stream's leader, and it is back well before that.
  const chunkSubject = `$O.${BUNDLES_STORE}.C.${info.nuid}`;
  await bus.jsm.streams.purge(`OBJ_${BUNDLES_STORE}`, { filter: chunkSubject });
  const source = { js: bus.js, bucket: BUNDLES_STORE, store: bus.bundles };

  const cache = join(dir, "cache");
  const cancelled = new AbortController();
  const stopped = fetchBundle(source, { sha256, size: bytes.length }, cache, join(dir, "stopped"), undefined, cancelled.signal);
  const waiting = fetchBundle(source, { sha256, size: bytes.length }, cache, join(dir, "waiting"));
  const consumers = async () => {
    let n = 0;
    for await (const _ of bus.jsm.consumers.list(`OBJ_${BUNDLES_STORE}`)) n++;
    return n;
  };
  await waitFor("the download's consumer", consumers, (n) => n === 1);
  const abortedAt = performance.now();
  cancelled.abort(new Error("cancelled by the test"));
  await t.throwsAsync(stopped, { message: "cancelled by the test" });
  t.true(performance.now() - abortedAt < 1000, "the stopped job did not wait for the read");

  // The chunk comes back: the one download goes on and the other job gets its copy.
  await bus.js.publish(chunkSubject, bytes);
  await waiting;
  t.is(readFileSync(join(dir, "waiting", "template.json"), "utf8"), '{"builders":[{"type":"null","name":"slow","communicator":"none"}]}');
  t.deepEqual(readdirSync(cache), [`${sha256}.tar.gz`], "no partial download left behind");
});
