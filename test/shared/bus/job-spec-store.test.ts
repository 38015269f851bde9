import test from "ava";
import {
  BUNDLES_STORE,
  BusDecodeError,
  connectBus,
  decodeJob,
  encode,
  ensureFarmResources,
  jobSpecObjectName,
  openJobSpec,
  putObject,
  sealJobSpec,
  storeSealedSpec,
  StoredSpecError,
  type JobMessage,
} from "../../../shared/bus/index.js";
import { startNatsServer } from "../../fixtures/nats-server.js";

const spec: JobMessage["spec"] = {
  name: "vm",
  builder: { type: "null", config: { communicator: "none" } },
  provisioners: [],
  postProcessorChains: [],
  variables: { password: "hunter2-very-secret" },
  declaredVariables: ["password"],
  sensitiveValues: ["hunter2-very-secret"],
  template: { displayPath: "template.json", path: "template.json" },
  files: [],
  initTime: new Date().toISOString(),
  runUuid: "00000000-0000-0000-0000-000000000000",
};

async function specStore(t: { teardown(fn: () => Promise<void>): void }) {
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const bus = await connectBus({ url: nats.url, name: "job spec store test" });
  t.teardown(() => bus.close());
  await ensureFarmResources(bus.nc, { ackWaitMs: 30_000, maxDeliver: 3, presenceTtlMs: 15_000 });
  return { bus, store: { ...bus, store: bus.bundles, bucket: BUNDLES_STORE } };
}

test("a sealed job spec opens for its own job only, holds no plaintext, and refuses a single altered byte", async (t) => {
  t.timeout(60_000);
  const { bus, store } = await specStore(t);
  const sealed = sealJobSpec("b1", 0, spec);
  t.is(sealed.ref.object, jobSpecObjectName("b1", 0));
  t.is(sealed.sealed.indexOf("hunter2"), -1);
  await storeSealedSpec(store, sealed);
  t.deepEqual(await openJobSpec(store, "b1", 0, sealed.ref), spec);
  t.is(Buffer.from((await bus.bundles.getBlob(sealed.ref.object))!).indexOf("hunter2"), -1, "the store holds ciphertext");

  // Another job naming this object is refused before reading; the same bytes under its own name do not open.
  await t.throwsAsync(openJobSpec(store, "b2", 0, sealed.ref), { instanceOf: StoredSpecError, message: /is not this job's spec/ });
  const elsewhere = { ...sealed.ref, object: jobSpecObjectName("b2", 0) };
  await storeSealedSpec(store, { ref: elsewhere, sealed: sealed.sealed });
  await t.throwsAsync(openJobSpec(store, "b2", 0, elsewhere), { instanceOf: StoredSpecError, message: /does not open with the key in the job message/ });

  // One flipped byte, stored with its own (correct) digest: the object store's check passes, GCM's does not.
  const altered = Buffer.from(sealed.sealed);
  altered[10] ^= 1;
  const stored = await putObject(store, jobSpecObjectName("b3", 0), (async function* () {
    yield altered;
  })());
  const alteredRef = { ...sealed.ref, object: jobSpecObjectName("b3", 0), sha256: stored.sha256 };
  await t.throwsAsync(openJobSpec(store, "b3", 0, alteredRef), { instanceOf: StoredSpecError, message: /does not open/ });
  // A digest other than the one stored, and an object that is not there.
  await t.throwsAsync(openJobSpec(store, "b1", 0, { ...sealed.ref, sha256: "0".repeat(64) }), { instanceOf: StoredSpecError, message: /is not the one the job names/ });
  await t.throwsAsync(openJobSpec(store, "b4", 0, { ...sealed.ref, object: jobSpecObjectName("b4", 0) }), { instanceOf: StoredSpecError, message: /is not in the object store kiln_bundles/ });
});

test("a job message carries its spec or a stored-spec reference: exactly one", (t) => {
  const { ref } = sealJobSpec("b1", 0, spec);
  const common = { buildId: "b1", jobIndex: 0, templateInBundle: "template.json", bundle: { sha256: "a".repeat(64), size: 1 }, onError: "cleanup", force: false, needs: [], submittedAt: new Date().toISOString() };
  t.deepEqual(decodeJob(encode({ ...common, spec }), "kiln.jobs.null").spec, spec);
  t.deepEqual(decodeJob(encode({ ...common, storedSpec: ref }), "kiln.jobs.null").storedSpec, ref);
  t.throws(() => decodeJob(encode({ ...common, spec, storedSpec: ref }), "kiln.jobs.null"), { instanceOf: BusDecodeError, message: /spec: a job message carries either its spec or a storedSpec reference/ });
  t.throws(() => decodeJob(encode(common), "kiln.jobs.null"), { instanceOf: BusDecodeError, message: /exactly one/ });
  t.throws(() => decodeJob(encode({ ...common, storedSpec: { ...ref, object: "job-spec/../x/0" } }), "kiln.jobs.null"), { instanceOf: BusDecodeError, message: /storedSpec\.object/ });
});
