import test from "ava";
import { packTemplate, rpc, startHarness, submitRequest } from "./farm-harness.js";
import type { ListBuildsResponse } from "../../proto/gen/kiln/v1/farm.js";
import type { FarmClient } from "../../proto/gen/kiln/v1/farm.js";

function page(c: FarmClient, limit: number, before: string): Promise<ListBuildsResponse> {
  return new Promise((resolve, reject) => c.listBuilds({ limit, before }, (e, r) => (e ? reject(e) : resolve(r))));
}

test("ListBuilds pages newest first: limit, next_before, and the last page says there is no more", async (t) => {
  t.timeout(60_000);
  const h = await startHarness(t);
  const bundle = await packTemplate(h.dir, { "template.json": JSON.stringify({ builders: [{ type: "null", communicator: "none" }] }) });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await rpc.submitBuild(h.client, submitRequest(bundle))).build!.id);
  const newestFirst = [...ids].reverse();

  const first = await page(h.client, 2, "");
  t.deepEqual(first.builds.map((b) => b.id), newestFirst.slice(0, 2));
  t.is(first.nextBefore, newestFirst[1]);
  const second = await page(h.client, 2, first.nextBefore);
  t.deepEqual(second.builds.map((b) => b.id), newestFirst.slice(2, 4));
  const last = await page(h.client, 2, second.nextBefore);
  t.deepEqual(last.builds.map((b) => b.id), newestFirst.slice(4));
  t.is(last.nextBefore, "");
  const all = await page(h.client, 0, "");
  t.deepEqual(all.builds.map((b) => b.id), newestFirst);
  t.is(all.nextBefore, "");
});
