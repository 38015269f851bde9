/**
 * Picks free TCP ports in a range for a VM (SSH forward, VNC). A port checked free with a test
 * bind is still free for anyone until QEMU binds it seconds later, which is how parallel Packer
 * builds collide. So a port is leased before it is handed out: in this process (a set, for the
 * builds of one agent) and across processes on the host (a lock file holding our pid, for two
 * `kiln build` runs side by side). A lock whose process is gone is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pidAlive } from "./pid-alive.js";

const reserved = new Set<number>();

/** Where the cross-process leases live (one file per host:port). */
export function portLeaseDir(): string {
  return process.env.KILN_PORT_LEASE_DIR ?? path.join(tmpdir(), "kiln-port-leases");
}

export interface PortLease {
  port: number;
  release(): void;
}

/** Finds a free port in [min, max] on `host`, starting at a random offset (as Packer does). */
export async function leasePort(min: number, max: number, host: string, what: string): Promise<PortLease> {
  const span = max - min + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = min + ((start + i) % span);
    if (reserved.has(port)) continue;
    reserved.add(port); // before the async bind test, so a concurrent lease in this process skips it
    const lockFile = lockHostPort(host, port);
    if (lockFile && (await canBind(port, host))) {
      let released = false;
      return {
        port,
        release() {
          if (released) return;
          released = true;
          rmSync(lockFile, { force: true });
          reserved.delete(port);
        },
      };
    }
    if (lockFile) rmSync(lockFile, { force: true });
    reserved.delete(port);
  }
  throw new Error(`${what}: no free TCP port between ${min} and ${max} on ${host}; widen the range or stop what holds them`);
}

/** Creates the port's lock file, or returns undefined when a live process holds it. */
function lockHostPort(host: string, port: number): string | undefined {
  const dir = portLeaseDir();
  mkdirSync(dir, { recursive: true, mode: 0o1777 });
  const file = path.join(dir, `${host.replace(/[^0-9A-Za-z.:-]/g, "_")}-${port}`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return file;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (holderAlive(file)) return undefined;
      rmSync(file, { force: true }); // left by a process that died: take it over
    }
  }
  return undefined;
}

function holderAlive(file: string): boolean {
  try {
    return pidAlive(Number(readFileSync(file, "utf8")));
  } catch {
    return false;
  }
}

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
