/**
 * The choices every builder's -warm makes: whether it applies to this build at all (asked for,
 * and a configuration the builder can snapshot), then, once the builder knows its warm key,
 * restore the snapshot saved under that key, or boot cold and capture one. Staging folders a crashed capture left are
 * removed first, so they never pile up (they are never read: only a published, whole snapshot is).
 */
import type { RunContext } from "../../../runner/context.js";
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

/** Whether this build goes on with -warm: asked for, and its configuration can (else it says why it boots cold). */
export function warmApplies(ctx: RunContext, requested: boolean, unsupported: () => string | undefined): boolean {
  if (!requested) return false;
  const why = unsupported();
  if (why) ctx.ui.say(`-warm: booting cold, because ${why}`);
  return why === undefined;
}
