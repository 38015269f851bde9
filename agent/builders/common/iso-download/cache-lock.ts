/**
 * A lock file next to a cache entry, so concurrent builds (in this process or in other agent
 * processes on the same host) download one ISO once: the first takes the lock, the others wait
 * and then find the finished file. A lock whose owner process died is taken over.
 */
import { open, readFile, rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { pidAlive } from "../pid-alive.js";

export interface CacheLock {
  release(): Promise<void>;
}

export async function acquireCacheLock(lockPath: string, signal?: AbortSignal, onWait?: () => void): Promise<CacheLock> {
  let announced = false;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const handle = await open(lockPath, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return { release: () => rm(lockPath, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    if (await ownerIsDead(lockPath)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (!announced) {
      announced = true;
      onWait?.();
    }
    await sleep(100, undefined, { signal });
  }
}

async function ownerIsDead(lockPath: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(lockPath, "utf8");
  } catch {
    return false; // gone already, or being written: try again
  }
  const pid = Number(text.trim());
  // An empty or half-written file is not proof of a dead owner: try again.
  return Number.isInteger(pid) && pid > 0 && !pidAlive(pid);
}
