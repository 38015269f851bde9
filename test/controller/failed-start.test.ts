/**
 * A controller that cannot start says why and leaves nothing behind: its NATS connection closed,
 * its temporary folder removed, no service of it running (each start step that fails undoes the
 * ones before it, in reverse order).
 */
import test from "ava";
import { createServer, type Server } from "node:net";
import { once } from "node:events";
import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { startController, type ControllerOptions } from "../../controller/index.js";
import { startNatsServer, type NatsServerFixture } from "../fixtures/nats-server.js";
import { tempDir } from "../fixtures/temp-dir.js";
import { waitFor } from "./farm-harness.js";

/** A TCP port something already listens on. */
async function takenPort(t: { teardown(fn: () => void): void }): Promise<number> {
  const server: Server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.teardown(() => server.close());
  return (server.address() as { port: number }).port;
}

async function controllerConnections(nats: NatsServerFixture): Promise<number> {
  const connz = (await (await fetch(`${nats.monitorUrl()}/connz`)).json()) as { connections?: { name?: string }[] };
  return (connz.connections ?? []).filter((c) => c.name === "kiln-controller").length;
}

const cases: [string, (t: { teardown(fn: () => void): void }, dir: string) => Promise<Partial<ControllerOptions>>, RegExp][] = [
  ["API port is taken", async (t) => ({ listen: `127.0.0.1:${await takenPort(t)}` }), /cannot listen on 127\.0\.0\.1:\d+ .*check --listen/],
  ["web console's port is taken", async (t) => ({ webListen: `127.0.0.1:${await takenPort(t)}` }), /cannot serve the web console on 127\.0\.0\.1:\d+ .*check --web-listen/],
  ["web console address is not HOST:PORT", async () => ({ webListen: "nowhere" }), /cannot serve the web console on nowhere .*is not HOST:PORT/],
  [
    "TLS key file is missing",
    async (_t, dir) => {
      await writeFile(path.join(dir, "cert.pem"), "not used");
      return { tls: { certFile: path.join(dir, "cert.pem"), keyFile: path.join(dir, "missing-key.pem") } };
    },
    /cannot read the TLS certificate or key .*missing-key\.pem.*check --tls-cert and --tls-key/,
  ],
];

for (const [what, options, message] of cases) {
  test.serial(`a controller whose ${what} fails to start with a clear error and leaves no connection, folder or service behind`, async (t) => {
    t.timeout(60_000);
    const nats = await startNatsServer();
    t.teardown(() => nats.stop());
    const dir = await tempDir("kiln-failed-start-");
    // This file's process only (the tests run one at a time): where the controller makes its temporary folder.
    process.env.TMPDIR = await tempDir("kiln-failed-start-tmp-");
    const error = await t.throwsAsync(startController({ listen: "127.0.0.1:0", nats: { url: nats.url }, ...(await options(t, dir)) }));
    t.regex(error?.message ?? "", message);
    await waitFor("the controller's NATS connection to close", async () => ((await controllerConnections(nats)) === 0 ? true : undefined));
    t.deepEqual(await readdir(process.env.TMPDIR), [], "no kiln-controller-* folder left");
  });
}
