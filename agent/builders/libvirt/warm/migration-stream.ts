/**
 * The guest's RAM and device state to and from a file, as a QEMU migration over a loopback TCP
 * connection between QEMU and this process. Not `exec:` as the qemu builder does: libvirt starts
 * QEMU with `-sandbox …,spawn=deny`, so QEMU may not run `cat`; and not virDomainSave, whose
 * restore keeps the saved domain's name and UUID, so two builds could not restore one snapshot at
 * once. The port is QEMU's or the kernel's choice (port 0): nothing to lease.
 */
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { connect, createServer, type AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { Domain } from "../binding/connection.js";
import { domainQmp } from "./domain-qmp.js";

const MIGRATION_DEADLINE_MS = 120_000;

/** Streams the (paused) domain's state into `file`; resolves when QEMU completed and the file is written. */
export async function saveStateTo(domain: Domain, file: string, signal: AbortSignal): Promise<void> {
  const server = createServer();
  let written: Promise<void> | undefined;
  server.on("connection", (socket) => {
    server.close();
    written ??= pipeline(socket, createWriteStream(file, { mode: 0o600 }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  try {
    const { port } = server.address() as AddressInfo;
    await domainQmp(domain, "migrate", { uri: `tcp:127.0.0.1:${port}` });
    await migrationStatus(domain, signal, (s) => s === "completed");
    if (!written) throw new Error("QEMU reported the migration done but never connected");
    await written;
  } finally {
    server.close();
  }
}

/** Feeds `file` into a domain started with `-incoming defer`; resolves once QEMU has loaded it. */
export async function loadStateFrom(domain: Domain, file: string, signal: AbortSignal): Promise<void> {
  await domainQmp(domain, "migrate-incoming", { uri: "tcp:127.0.0.1:0" });
  const info = await domainQmp(domain, "query-migrate");
  const port = Number((info["socket-address"] as { port?: string }[] | undefined)?.[0]?.port);
  if (!port) throw new Error(`QEMU did not say where it listens for the saved state: ${JSON.stringify(info)}`);
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  await pipeline(createReadStream(file), socket, { signal });
  const deadline = Date.now() + MIGRATION_DEADLINE_MS;
  for (;;) {
    const status = (await domainQmp(domain, "query-status")).status;
    if (status !== "inmigrate") {
      if (status !== "running") await domainQmp(domain, "cont");
      return;
    }
    if (Date.now() > deadline) throw new Error(`QEMU did not finish loading the warm snapshot within ${MIGRATION_DEADLINE_MS / 1000}s`);
    await sleep(50, undefined, { signal });
  }
}

async function migrationStatus(domain: Domain, signal: AbortSignal, done: (status: string) => boolean): Promise<void> {
  const deadline = Date.now() + MIGRATION_DEADLINE_MS;
  while (Date.now() < deadline) {
    const info = (await domainQmp(domain, "query-migrate")) as { status?: string; "error-desc"?: string };
    if (info.status && done(info.status)) return;
    if (info.status === "failed" || info.status === "cancelled") throw new Error(`migration ${info.status}: ${info["error-desc"] ?? "no detail"}`);
    await sleep(50, undefined, { signal });
  }
  throw new Error(`the VM state was not saved within ${MIGRATION_DEADLINE_MS / 1000}s`);
}
