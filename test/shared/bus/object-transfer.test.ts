import test from "ava";
import type { Consumer, JetStreamClient } from "@nats-io/jetstream";
import { createHash, randomBytes } from "node:crypto";
import { ARTIFACTS_STORE, connectBus, getObject, objectMetaSubject, ObjectReadError, purgeObject, putObject } from "../../../shared/bus/index.js";
import { ensureFarmResources } from "../../../shared/bus/resources.js";
import { startNatsServer } from "../../fixtures/nats-server.js";

async function* pieces(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let o = 0; o < data.length; o += size) yield data.subarray(o, o + size);
}

async function readAll(data: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of data) parts.push(p);
  return Buffer.concat(parts);
}

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

async function farmBus(t: { teardown(fn: () => Promise<void>): void }) {
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const bus = await connectBus({ url: nats.url, name: "object transfer test" });
  t.teardown(() => bus.close());
  await ensureFarmResources(bus.nc, { ackWaitMs: 30_000, maxDeliver: 3, presenceTtlMs: 15_000 });
  return { bus, target: { ...bus, store: bus.artifacts, bucket: ARTIFACTS_STORE } };
}

test("putObject's chunks in flight arrive whole and in order: the client library and getObject read the same bytes and digest", async (t) => {
  t.timeout(60_000);
  const { bus, target } = await farmBus(t);
  // Not a multiple of the chunk size, fed in odd pieces, with few chunks in flight so the window fills.
  const data = randomBytes(5 * 1024 * 1024 + 12345);
  const stored = await putObject(target, "b1/0/disk.img", pieces(data, 70_001), { chunkBytes: 256 * 1024, inFlight: 3 });
  t.is(stored.size, data.length);
  t.is(stored.chunks, Math.ceil(data.length / (256 * 1024)));
  t.is(stored.sha256, sha256(data));

  const byLibrary = await bus.artifacts.getBlob("b1/0/disk.img");
  t.true(byLibrary !== null && Buffer.compare(Buffer.from(byLibrary), data) === 0, "the client library reads it (and checks its digest)");
  const reader = await getObject(target, "b1/0/disk.img");
  t.is(reader?.sha256, sha256(data));
  t.is(Buffer.compare(await readAll(reader!.data), data), 0);

  t.is(await getObject(target, "no/such/object"), undefined);
  // Names as the client library spells them (Latin-1 read by its btoa): it finds ours.
  await putObject(target, "b1/0/café ø.img", pieces(data.subarray(0, 1000), 1000));
  t.is((await bus.artifacts.getBlob("b1/0/café ø.img"))?.length, 1000);
  await t.throwsAsync(putObject(target, "b1/0/名前.img", pieces(data, 1000)), { message: /cannot be stored: the object store's names are non-empty Latin-1 text/ });
  const empty = await putObject(target, "b1/0/empty", pieces(Buffer.alloc(0), 1));
  t.deepEqual({ size: empty.size, chunks: empty.chunks }, { size: 0, chunks: 0 });
  t.is((await readAll((await getObject(target, "b1/0/empty"))!.data)).length, 0);
});

test("putObject replacing an object drops the old chunks; a damaged object is refused by getObject", async (t) => {
  t.timeout(60_000);
  const { bus, target } = await farmBus(t);
  const first = randomBytes(3 * 1024 * 1024);
  await putObject(target, "b2/0/f", pieces(first, 1 << 20));
  const second = randomBytes(1024 * 1024 + 1);
  await putObject(target, "b2/0/f", pieces(second, 1 << 20));
  t.is(Buffer.compare(await readAll((await getObject(target, "b2/0/f"))!.data), second), 0);
  const stream = await bus.jsm.streams.info(`OBJ_${ARTIFACTS_STORE}`, { subjects_filter: "$O.>" });
  const chunkMessages = Object.entries(stream.state.subjects ?? {}).filter(([s]) => s.includes(".C.")).reduce((n, [, c]) => n + c, 0);
  t.is(chunkMessages, 2, "only the second object's two chunks are left");

  // Overwrite one stored chunk's content by hand: same size, other bytes.
  const info = (await bus.artifacts.info("b2/0/f"))!;
  await bus.jsm.streams.purge(`OBJ_${ARTIFACTS_STORE}`, { filter: `$O.${ARTIFACTS_STORE}.C.${info.nuid}` });
  await bus.js.publish(`$O.${ARTIFACTS_STORE}.C.${info.nuid}`, randomBytes(1024 * 1024));
  await bus.js.publish(`$O.${ARTIFACTS_STORE}.C.${info.nuid}`, second.subarray(1024 * 1024));
  const damaged = await getObject(target, "b2/0/f");
  const error = await t.throwsAsync(readAll(damaged!.data), { instanceOf: ObjectReadError });
  t.regex(error!.message, /damaged: read with sha256 [0-9a-f]{64}, stored with sha256/);
  // Without the digest check (the controller, whose client checks), the size is still checked.
  await bus.jsm.streams.purge(`OBJ_${ARTIFACTS_STORE}`, { filter: `$O.${ARTIFACTS_STORE}.C.${info.nuid}` });
  await bus.js.publish(`$O.${ARTIFACTS_STORE}.C.${info.nuid}`, randomBytes(10));
  const short = await getObject(target, "b2/0/f", { verifyDigest: false, quietMs: 200 });
  const started = Date.now();
  await t.throwsAsync(readAll(short!.data), { instanceOf: ObjectReadError, message: /came incomplete: read 10 of its 1048577 bytes \(1 of 2 chunks; the stream's leader has no more: not in the stream\)/ });
  t.true(Date.now() - started < 2_000, `a missing chunk took ${Date.now() - started} ms to be called missing: the leader says so after one quiet period`);
});

/**
 * The JetStream client with its consumers' deliveries watched: `stallFirst` makes the first
 * consumer's delivery stop after its first message, as a stalled consumer on a loaded cluster
 * did (bench/soak); that cannot be caused on purpose with a real server, so this stands in for
 * it. Each consumer's options are recorded.
 */
function stallingJs(js: JetStreamClient): { js: JetStreamClient; opened: Array<{ opt_start_seq?: number }> } {
  const opened: Array<{ opt_start_seq?: number }> = [];
  const stallAfterFirst = <M>(messages: AsyncIterable<M> & { stop(): void }) => {
    let stopped!: () => void;
    const stop = new Promise<void>((resolve) => (stopped = resolve));
    const it = messages[Symbol.asyncIterator]();
    return Object.assign(
      (async function* () {
        const first = await it.next();
        if (!first.done) yield first.value;
        await stop; // the rest never comes
      })(),
      { stop: () => (messages.stop(), stopped()) },
    );
  };
  const watched = <C extends { consume(...a: never[]): Promise<AsyncIterable<unknown> & { stop(): void }> }>(consumer: C): C =>
    new Proxy(consumer, {
      get(target, key, receiver) {
        if (key !== "consume") return Reflect.get(target, key, receiver) as unknown;
        return async (...a: never[]) => {
          const messages = await target.consume(...a);
          return opened.length === 1 ? stallAfterFirst(messages) : messages;
        };
      },
    });
  const consumers = new Proxy(js.consumers, {
    get(target, key, receiver) {
      if (key !== "get" && key !== "getPushConsumer") return Reflect.get(target, key, receiver) as unknown;
      return async (stream: string, options: { opt_start_seq?: number }) => {
        opened.push({ ...options }); // a copy: the client library changes the options it is given
        return watched(await (target[key] as (s: string, o: unknown) => Promise<Consumer>)(stream, options));
      };
    },
  });
  return { js: new Proxy(js, { get: (target, key, receiver) => (key === "consumers" ? consumers : (Reflect.get(target, key, receiver) as unknown)) }), opened };
}

for (const push of [false, true]) {
  test(`a read whose ${push ? "push" : "pull"} consumer stalls goes on with a new consumer from the next chunk`, async (t) => {
    t.timeout(60_000);
    const { bus, target } = await farmBus(t);
    const data = randomBytes(3 * 256 * 1024 + 5);
    await putObject(target, "b4/0/f", pieces(data, 256 * 1024), { chunkBytes: 256 * 1024 });
    const { js, opened } = stallingJs(target.js);
    const reader = await getObject({ ...target, js }, "b4/0/f", { push, quietMs: 300 });
    t.is(Buffer.compare(await readAll(reader!.data), data), 0, "the whole object, checked against its digest");
    t.is(opened.length, 2, "one consumer more");
    t.is(opened[0]!.opt_start_seq, undefined);
    const lastChunk = await bus.jsm.streams.getMessage(`OBJ_${ARTIFACTS_STORE}`, { last_by_subj: `$O.${ARTIFACTS_STORE}.C.${reader!.info.nuid}` });
    t.is(opened[1]!.opt_start_seq, lastChunk!.seq - 1, "from the third of the four chunks: the second came from the stream's leader");
  });
}

test("a read whose consumer stalls while the stream's leader cannot be asked goes on with a new consumer from the next chunk", async (t) => {
  t.timeout(60_000);
  const { bus, target } = await farmBus(t);
  const data = randomBytes(3 * 256 * 1024 + 5);
  await putObject(target, "b5/0/f", pieces(data, 256 * 1024), { chunkBytes: 256 * 1024 });
  const { js: stalling, opened } = stallingJs(target.js);
  // A cluster without quorum: STREAM.MSG.GET goes unanswered.
  const js = new Proxy(stalling, { get: (t2, key, receiver) => (key === "jetstreamManager" ? () => Promise.reject(new Error("no quorum")) : (Reflect.get(t2, key, receiver) as unknown)) });
  const reader = await getObject({ ...target, js }, "b5/0/f", { quietMs: 300 });
  t.is(Buffer.compare(await readAll(reader!.data), data), 0);
  const lastChunk = await bus.jsm.streams.getMessage(`OBJ_${ARTIFACTS_STORE}`, { last_by_subj: `$O.${ARTIFACTS_STORE}.C.${reader!.info.nuid}` });
  t.deepEqual(opened.map((o) => o.opt_start_seq), [undefined, lastChunk!.seq - 2], "the second consumer from the second of the four chunks");
});

test("getObject reads an object the client library wrote (its own 128 KiB chunks and digest)", async (t) => {
  t.timeout(60_000);
  const { bus, target } = await farmBus(t);
  const data = randomBytes(2 * 1024 * 1024 + 999);
  await bus.artifacts.putBlob({ name: "b3/0/by-library.img" }, data);
  const reader = await getObject(target, "b3/0/by-library.img");
  t.is(reader?.sha256, sha256(data), "the library's SHA-256= digest reads as the same hex sha256");
  t.is(Buffer.compare(await readAll(reader!.data), data), 0);
});

test("purgeObject removes an object's meta and chunks and leaves no marker, where the library's delete leaves one; other objects stay", async (t) => {
  t.timeout(60_000);
  const { bus } = await farmBus(t);
  const data = randomBytes(700 * 1024);
  for (const name of ["b1/0/disk.img", "b1/0/other.img", "b2/0/deleted.img"]) await bus.artifacts.putBlob({ name }, data);
  const subjects = async (): Promise<Record<string, number>> => (await bus.jsm.streams.info(`OBJ_${ARTIFACTS_STORE}`, { subjects_filter: ">" })).state.subjects ?? {};
  const info = (await bus.artifacts.info("b1/0/disk.img"))!;
  // The meta subject is the one the library writes (ADR-20: the name in padded base64url).
  t.is((await subjects())[objectMetaSubject(ARTIFACTS_STORE, "b1/0/disk.img")], 1);
  t.true(await purgeObject(bus.jsm, ARTIFACTS_STORE, info) > 1);
  t.is(await bus.artifacts.info("b1/0/disk.img"), null);
  await bus.artifacts.delete("b2/0/deleted.img");
  const left = await subjects();
  t.false(Object.keys(left).some((s) => s.endsWith(info.nuid) || s === objectMetaSubject(ARTIFACTS_STORE, "b1/0/disk.img")), "nothing of the purged object");
  t.is(left[objectMetaSubject(ARTIFACTS_STORE, "b2/0/deleted.img")], 1, "the library's delete leaves its marker");
  t.deepEqual(Buffer.compare(Buffer.from((await bus.artifacts.getBlob("b1/0/other.img"))!), data), 0);
});
