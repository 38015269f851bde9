import test from "ava";
import { connect } from "@nats-io/transport-node";
import { CancelListeners } from "../../../agent/farm/cancel-listeners.js";
import { controlSubject, encode, type ControlMessage } from "../../../shared/bus/index.js";
import { silentLog } from "../../../controller/index.js";
import { startNatsServer } from "../../fixtures/nats-server.js";
import { waitFor } from "./farm-jobs.js";

test("one subscription for the agent: a cancel reaches the listeners of its build only, garbage is dropped, an ended listener hears nothing", async (t) => {
  t.timeout(30_000);
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const nc = await connect({ servers: nats.url });
  t.teardown(() => nc.close());
  const cancels = new CancelListeners(nc, silentLog);
  t.teardown(() => cancels.close());
  await nc.flush();

  const heard: string[] = [];
  const stopA = cancels.listen("build-a", (m) => void heard.push(`a1 ${m.buildId}`));
  cancels.listen("build-a", (m) => void heard.push(`a2 ${m.buildId}`));
  cancels.listen("build-b", (m) => void heard.push(`b ${m.buildId}`));

  const cancel = (buildId: string): ControlMessage => ({ kind: "cancel", buildId, requestedAt: new Date().toISOString() });
  nc.publish(controlSubject("build-a"), new TextEncoder().encode("not json"));
  nc.publish(controlSubject("build-a"), encode(cancel("build-a")));
  await waitFor("both listeners of build-a", async () => heard.length, (n) => n >= 2, 10_000);
  t.deepEqual([...heard].sort(), ["a1 build-a", "a2 build-a"]);

  stopA();
  heard.length = 0;
  nc.publish(controlSubject("build-a"), encode(cancel("build-a")));
  nc.publish(controlSubject("build-b"), encode(cancel("build-b")));
  await waitFor("build-b's listener", async () => heard.includes("b build-b"), (v) => v, 10_000);
  t.deepEqual([...heard].sort(), ["a2 build-a", "b build-b"]);
});
