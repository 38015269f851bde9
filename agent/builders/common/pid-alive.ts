/**
 * Whether a process id written in a lock file still names a live process (signal 0 checks
 * without sending anything; EPERM means it lives under another user).
 */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}
