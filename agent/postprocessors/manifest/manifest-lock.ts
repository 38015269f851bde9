import { open, rm } from "node:fs/promises";

/** In this process, builds that share a manifest take turns (parallel builds of one run). */
const queues = new Map<string, Promise<void>>();

/**
 * Runs `work` while holding the manifest: an in-process queue per path, plus Packer's
 * `<output>.lock` file (created exclusively) against other processes. Like Packer, a lock that
 * stays taken after a few tries is not waited for forever (a crashed run may have left it).
 */
export async function withManifestLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = previous.then(() => mine);
  queues.set(path, tail);
  await previous;
  const lockPath = `${path}.lock`;
  let locked = false;
  try {
    for (let i = 0; i < 10 && !locked; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100 * i));
      try {
        await (await open(lockPath, "wx", 0o600)).close();
        locked = true;
      } catch (e) {
        // Packer goes on without the lock file when it cannot make one (its folder is missing):
        // the manifest's own write then says what is wrong.
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") break;
      }
    }
    return await work();
  } finally {
    if (locked) await rm(lockPath, { force: true });
    release();
    if (queues.get(path) === tail) queues.delete(path);
  }
}
