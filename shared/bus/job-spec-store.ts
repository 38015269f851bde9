/**
 * Job specs too big for one bus message travel through the bundles object store, sealed with
 * AES-256-GCM under a key made for that one job. The key and nonce travel only in the job message
 * (which already carries the spec's sensitive values when the spec is inline, and leaves the work
 * queue when the job is acked), so the store, its replicas and its backups hold only ciphertext.
 * The job's build id and index are the authenticated data: a reference copied into another job's
 * message does not open.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { getObject, ObjectReadError, type ObjectReader, type ObjectSource } from "./object-get.js";
import { putObject, type ObjectStoreTarget } from "./object-put.js";
import { BusDecodeError, decodeStoredJobSpec, type JobMessage, type StoredSpec } from "./messages.js";
import { jobSpecObjectName } from "./names.js";

type Spec = JobMessage["spec"];

const TAG_BYTES = 16;

/** A stored spec that cannot be had or opened: missing, damaged, sealed for another job, or not a spec. Another delivery would fail the same way. */
export class StoredSpecError extends Error {
  override readonly name = "StoredSpecError";
}

export interface SealedSpec {
  /** What the job message carries. */
  ref: StoredSpec;
  /** What the object store gets: ciphertext then the GCM tag. */
  sealed: Buffer;
}

/** Encrypts `spec` for job `buildId`/`jobIndex`, in memory: nothing is written yet. */
export function sealJobSpec(buildId: string, jobIndex: number, spec: Spec): SealedSpec {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(authenticatedData(buildId, jobIndex));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(spec), "utf8"), cipher.final(), cipher.getAuthTag()]);
  return {
    sealed,
    ref: {
      object: jobSpecObjectName(buildId, jobIndex),
      sha256: createHash("sha256").update(sealed).digest("hex"),
      size: sealed.length,
      key: key.toString("base64"),
      iv: iv.toString("base64"),
    },
  };
}

/** Writes a sealed spec under its name in the bundles store. */
export async function storeSealedSpec(target: ObjectStoreTarget, { ref, sealed }: SealedSpec): Promise<void> {
  const stored = await putObject(target, ref.object, (async function* () {
    yield sealed;
  })());
  if (stored.sha256 !== ref.sha256) throw new Error(`job spec ${ref.object} was stored with sha256 ${stored.sha256}, sealed as ${ref.sha256}`);
}

/**
 * Reads and opens the spec a job message refers to. Throws StoredSpecError for a reference that
 * cannot be honoured (missing object, other digest, wrong key or job, not a spec); a bus failure
 * is thrown as it is, for the caller to retry.
 */
export async function openJobSpec(source: ObjectSource, buildId: string, jobIndex: number, ref: StoredSpec): Promise<Spec> {
  const expected = jobSpecObjectName(buildId, jobIndex);
  if (ref.object !== expected) throw new StoredSpecError(`storedSpec.object "${ref.object}" is not this job's spec (${expected})`);
  // A push consumer, as for bundles: agents may not pull from the store's stream.
  let object: ObjectReader | undefined;
  try {
    object = await getObject(source, ref.object, { push: true });
  } catch (e) {
    if (e instanceof ObjectReadError) throw new StoredSpecError(e.message); // a link, a digest of another kind
    throw e;
  }
  if (!object) throw new StoredSpecError(`the job's spec ${ref.object} is not in the object store ${source.bucket} (deleted, or never stored)`);
  const { info, sha256 } = object;
  if (sha256 !== ref.sha256 || info.size !== ref.size) {
    throw new StoredSpecError(`the job's spec ${ref.object} in the object store (${info.size} bytes, sha256 ${sha256}) is not the one the job names (${ref.size} bytes, sha256 ${ref.sha256})`);
  }
  const parts: Uint8Array[] = [];
  try {
    // Checks the size and the stored digest as it reads.
    for await (const chunk of object.data) parts.push(chunk);
  } catch (e) {
    if (e instanceof ObjectReadError) throw new StoredSpecError(`the job's spec ${ref.object} could not be read whole: ${e.message}`);
    throw e;
  }
  const sealed = Buffer.concat(parts);
  if (sealed.length < TAG_BYTES) throw new StoredSpecError(`the job's spec ${ref.object} is ${sealed.length} bytes: too short to be sealed`);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-gcm", Buffer.from(ref.key, "base64"), Buffer.from(ref.iv, "base64"));
    decipher.setAAD(authenticatedData(buildId, jobIndex));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new StoredSpecError(`the job's spec ${ref.object} does not open with the key in the job message (sealed for another job, or altered)`);
  }
  try {
    return decodeStoredJobSpec(plain, ref.object);
  } catch (e) {
    if (e instanceof BusDecodeError) throw new StoredSpecError(e.message);
    throw e;
  }
}

function authenticatedData(buildId: string, jobIndex: number): Buffer {
  return Buffer.from(`kiln job spec ${buildId}.${jobIndex}`, "utf8");
}
