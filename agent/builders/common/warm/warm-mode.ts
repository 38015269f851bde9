/**
 * The choice every builder's -warm makes once it knows its warm key: restore the snapshot saved
 * under that key, or boot cold and capture one. Staging folders a crashed capture left are
 * removed first, so they never pile up (they are never read: only a published, whole snapshot is).
 */
import { reapStaleStaging, snapshotAt, snapshotExists, type WarmSnapshot } from "./warm-store.js";

export type WarmMode = "off" | "capture" | "restore";

/** What later steps of a builder need to know of its -warm plan (the fix-ups step, for one). */
export interface WarmModeKnown {
  warm: { mode: WarmMode };
}

export async function chooseWarmMode(root: string, key: string): Promise<{ mode: "capture" | "restore"; snapshot: WarmSnapshot }> {
  await reapStaleStaging(root);
  const snapshot = snapshotAt(root, key);
  return { mode: (await snapshotExists(snapshot)) ? "restore" : "capture", snapshot };
}
