/**
 * Picks free TCP ports in a range for a VM (SSH forward, VNC). Two builds in one agent process
 * never get the same port: a port stays reserved here until its build releases it, and a port is
 * only handed out after a real bind on it succeeded (another process may hold it).
 */
import { createServer } from "node:net";

const reserved = new Set<number>();

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
    reserved.add(port); // before the async bind test, so a concurrent lease skips it
    if (await canBind(port, host)) {
      let released = false;
      return {
        port,
        release() {
          if (released) return;
          released = true;
          reserved.delete(port);
        },
      };
    }
    reserved.delete(port);
  }
  throw new Error(`${what}: no free TCP port between ${min} and ${max} on ${host}; widen the range or stop what holds them`);
}

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
