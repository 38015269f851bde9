/**
 * What every builder's warm capture does around its own way of saving a guest: pause it, let the
 * builder write the state and the disk into a staging folder, publish the folder whole, and let
 * the guest go on. A failure costs only the snapshot (its staging folder is removed), never the
 * build.
 */
import { errorMessage } from "../../../../shared/error-message.js";
import { rm } from "node:fs/promises";
import type { RunContext } from "../../../runner/context.js";
import { publish, stagingFor, type WarmSnapshot } from "./warm-store.js";

export interface CaptureTarget {
  root: string;
  key: string;
  snapshot: WarmSnapshot;
  /** The builder's type name, recorded in meta.json. */
  builder: string;
}

export interface GuestSaver {
  pause(): Promise<void>;
  /** Writes the paused guest's state to `staged.statePath` and its disk to `staged.diskPath`. */
  save(staged: WarmSnapshot): Promise<void>;
  resume(): Promise<void>;
}

export async function captureSnapshot(ctx: RunContext, target: CaptureTarget, guest: GuestSaver): Promise<void> {
  ctx.ui.say("-warm: saving the booted guest for the next -warm build...");
  const staged = await stagingFor(target.root, target.key);
  let paused = false;
  try {
    await guest.pause();
    paused = true;
    await guest.save(staged);
    const published = await publish(staged, target.snapshot, { key: target.key, builder: target.builder });
    ctx.ui.message(published ? `warm snapshot saved: ${target.snapshot.dir}` : "another build saved this warm snapshot first; keeping theirs");
  } catch (e) {
    await rm(staged.dir, { recursive: true, force: true });
    ctx.ui.error(`-warm: could not save the warm snapshot (${errorMessage(e)}); the build goes on`);
  } finally {
    if (paused) await guest.resume();
  }
}
