/**
 * The client's second guard behind the controller's (controller/watch-build.ts): a follow watch
 * that ends while the build's record still says a job runs is asked again after its last item,
 * so `kiln logs -f` never exits 0 halfway through a build. The server here is a stand-in for the
 * controller — a real gRPC server speaking the farm API (WatchBuild and GetBuild only) — because
 * the real controller does not end a follow watch early on purpose; that is what is tested.
 */
import test from "ava";
import { Server, ServerCredentials, status, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData } from "@grpc/grpc-js";
import { FarmConnection } from "../../cli/farm-client/connect.js";
import { watchBuildOutput } from "../../cli/farm-client/watch.js";
import { FarmService, State, type Build, type BuildOutput, type GetBuildRequest, type Job, type WatchBuildRequest } from "../../proto/gen/kiln/v1/farm.js";

function job(state: State): Job {
  return { index: 0, name: "f", builderType: "file", needs: [], state, agent: "a1", attempts: 1, error: "", waitingFor: "", artifacts: [], startedAt: "", finishedAt: "", fingerprint: "", reusedFrom: "", labels: [], priority: "" };
}

const line = (sequence: number, text: string): BuildOutput => ({ sequence, time: "", log: { jobIndex: 0, label: "f", level: "say", text, encodedText: new Uint8Array(0), textEncoding: "", textBytes: 0 } });
const finished: BuildOutput = {
  sequence: 4,
  time: "",
  event: { jobIndex: 0, name: "f", kind: "finished", state: State.STATE_SUCCEEDED, agent: "a1", error: "", reason: "", durationMs: 1, artifacts: [] },
};

/** Stand-in controller: its first follow watch ends after two items with the job still running. */
async function startControllerStandIn(t: { teardown(fn: () => void | Promise<void>): void }, opts: { buildGone?: boolean } = {}) {
  const watches: number[] = [];
  let done = false;
  const server = new Server();
  server.addService(FarmService, {
    watchBuild(call: ServerWritableStream<WatchBuildRequest, BuildOutput>) {
      watches.push(Number(call.request.afterSequence));
      if (watches.length === 1) {
        call.write(line(1, "one"));
        call.write(line(2, "two"));
      } else {
        call.write(line(3, "three"));
        call.write(finished);
        done = true;
      }
      call.end();
    },
    getBuild(call: ServerUnaryCall<GetBuildRequest, Build>, callback: sendUnaryData<Build>) {
      if (opts.buildGone) return callback({ code: status.NOT_FOUND, details: `no build ${call.request.buildId}` });
      callback(null, { id: call.request.buildId, template: "template.json", state: done ? State.STATE_SUCCEEDED : State.STATE_RUNNING, submittedAt: "", jobs: [job(done ? State.STATE_SUCCEEDED : State.STATE_RUNNING)] });
    },
  });
  const port = await new Promise<number>((ok, fail) => server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? fail(e) : ok(p))));
  t.teardown(() => void server.forceShutdown());
  const conn = new FarmConnection({ address: `127.0.0.1:${port}`, warn: () => undefined });
  t.teardown(() => conn.close());
  return { conn, watches };
}

test("a follow watch that ends while the build's record says a job runs is asked again after its last item", async (t) => {
  t.timeout(30_000);
  const { conn, watches } = await startControllerStandIn(t);
  const items: string[] = [];
  const reasons: string[] = [];
  const end = await watchBuildOutput(conn, { buildId: "b1", follow: true, onItem: (i) => items.push(i.log?.text ?? `<${i.event?.kind}>`), onReconnecting: (r) => reasons.push(r) });
  t.deepEqual(items, ["one", "two", "three", "<finished>"]);
  t.deepEqual(watches, [0, 2], "asked again after the last item it showed");
  t.deepEqual(reasons, ["the controller ended the watch while f had not finished"]);
  t.is(end.lastSequence, 4);
});

test("without -f, or when the build is gone, a watch that ends is the end", async (t) => {
  t.timeout(30_000);
  const once = await startControllerStandIn(t);
  const items: string[] = [];
  await watchBuildOutput(once.conn, { buildId: "b1", follow: false, onItem: (i) => items.push(i.log?.text ?? "") });
  t.deepEqual(items, ["one", "two"]);
  t.deepEqual(once.watches, [0]);
  const gone = await startControllerStandIn(t, { buildGone: true });
  await watchBuildOutput(gone.conn, { buildId: "b1", follow: true, onItem: () => undefined });
  t.deepEqual(gone.watches, [0], "an expired build is not asked for again");
});
