/**
 * Kiln carries one patch to @nats-io/nats-core (patches/@nats-io+nats-core+3.4.0.patch, applied
 * by patch-package on install): a message whose payload spans several socket reads gets a buffer
 * of the payload's size at once instead of one grown, and copied, from the first read. It took
 * the controller's object-store read of a 1 GiB artifact from ~300 to ~480 MB/s (bench/farm).
 * These tests check, against a real nats-server, that the patch is in force and that payloads of
 * every shape still arrive byte for byte.
 */
import test from "ava";
import { randomBytes } from "node:crypto";
import { headers } from "@nats-io/transport-node";
import { connectBus } from "../../../shared/bus/index.js";
import { startNatsServer } from "../../fixtures/nats-server.js";

async function bus(t: { teardown(fn: () => Promise<void>): void }) {
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const b = await connectBus({ url: nats.url, name: "nats parser patch test" });
  t.teardown(() => b.close());
  return b;
}

test("payloads spanning many socket reads arrive whole, with and without headers, each in a buffer of its own size", async (t) => {
  t.timeout(60_000);
  const { nc } = await bus(t);
  // Around the sizes where a payload starts to span reads, and a whole chunk of the object store.
  const sizes = [0, 1, 65_535, 65_536, 65_537, 200_000, 1024 * 1024 - 1000];
  const sent = sizes.map((n) => randomBytes(n));
  const received: { data: Uint8Array; header: string | undefined }[] = [];
  const all = new Promise<void>((resolve) => {
    nc.subscribe("kiln.test.parser", {
      callback: (err, m) => {
        if (err) return;
        received.push({ data: m.data, header: m.headers?.get("Kiln-Test") });
        if (received.length === sent.length * 2) resolve();
      },
    });
  });
  await nc.flush();
  for (const data of sent) {
    nc.publish("kiln.test.parser", data);
    const h = headers();
    h.set("Kiln-Test", `size ${data.length}`);
    nc.publish("kiln.test.parser", data, { headers: h });
  }
  await all;
  for (const [i, data] of sent.entries()) {
    const plain = received[2 * i]!;
    const withHeader = received[2 * i + 1]!;
    t.true(Buffer.from(plain.data).equals(data), `payload of ${data.length} bytes`);
    t.true(Buffer.from(withHeader.data).equals(data), `payload of ${data.length} bytes after headers`);
    t.is(withHeader.header, `size ${data.length}`);
  }
  // The patch in force: the 1 MiB payload (headers included) fills its buffer exactly. Grown from
  // the first read, its buffer would be bigger than the payload (capacity doubling).
  const big = received[received.length - 1]!;
  const headerBytes = big.data.byteOffset;
  t.is(big.data.buffer.byteLength - headerBytes, big.data.length, "the payload's buffer is its own size (patches/@nats-io+nats-core+3.4.0.patch applied?)");
});
