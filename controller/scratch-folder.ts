/**
 * The controller's temporary files — extracted bundles, uploads spooled to disk — live in one
 * folder per controller process, `<tmp>/kiln-controller-<pid>-XXXXXX` (0700), removed when it
 * stops. A controller killed with -9 cannot remove its own: the next controller started on the
 * host removes every such folder whose process no longer runs (several controllers may share a
 * host, so a live one's folder is never touched).
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { OperatorLog } from "../shared/operator-log.js";

const PREFIX = "kiln-controller-";
const OWNED = /^kiln-controller-(\d+)-/;

export class ScratchFolder {
  private constructor(readonly path: string) {}

  /** Reaps dead controllers' folders in `tmp` (the OS's temp folder by default), then makes this process's own. */
  static async create(log: OperatorLog, tmp = os.tmpdir()): Promise<ScratchFolder> {
    const reaped = await reapDeadControllerFolders(tmp);
    if (reaped.length > 0) log.info("removed temporary folders of controllers that no longer run", { folders: reaped.length });
    return new ScratchFolder(await mkdtemp(path.join(tmp, `${PREFIX}${process.pid}-`)));
  }

  /** A new folder inside this one (mkdtemp: 0700). */
  mkdtemp(prefix: string): Promise<string> {
    return mkdtemp(path.join(this.path, prefix));
  }

  async remove(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }
}

/** Removes the folders in `tmp` of controller processes that no longer run; resolves with their names. */
export async function reapDeadControllerFolders(tmp: string): Promise<string[]> {
  const names = await readdir(tmp).catch(() => [] as string[]);
  const dead = names.filter((name) => {
    const pid = Number(OWNED.exec(name)?.[1] ?? NaN);
    return Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && !processRuns(pid);
  });
  await Promise.all(dead.map((name) => rm(path.join(tmp, name), { recursive: true, force: true })));
  return dead;
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user.
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}
