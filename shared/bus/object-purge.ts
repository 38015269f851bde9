/**
 * Removes an object from a JetStream object store without a trace. The client library's delete
 * publishes a "deleted" meta message that stays for good (ADR-20 keeps it so watchers learn of
 * the deletion): one message per deleted object, on every node, for ever. Nothing in Kiln watches
 * its stores, so the controller's sweeps remove an object's meta subject and then its chunks: a
 * reader that looks it up from then on finds nothing (and a submission stores a bundle again).
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import type { ObjectInfo } from "@nats-io/obj";

/** The stream behind an object store (ADR-20). */
export const objectStoreStreamName = (bucket: string): string => `OBJ_${bucket}`;

/** ADR-20's meta subject of an object: its name in padded base64url. */
export function objectMetaSubject(bucket: string, name: string): string {
  const encoded = Buffer.from(name).toString("base64url");
  return `$O.${bucket}.M.${encoded}${"=".repeat((4 - (encoded.length % 4)) % 4)}`;
}

/** Purges the object's meta, then its chunks; returns how many messages went. */
export async function purgeObject(jsm: JetStreamManager, bucket: string, info: Pick<ObjectInfo, "name" | "nuid">): Promise<number> {
  const stream = objectStoreStreamName(bucket);
  const meta = await jsm.streams.purge(stream, { filter: objectMetaSubject(bucket, info.name) });
  const chunks = await jsm.streams.purge(stream, { filter: `$O.${bucket}.C.${info.nuid}` });
  return meta.purged + chunks.purged;
}
