/**
 * The controller's read-only token, on a real `kiln controller --read-token-file` process, a real
 * nats-server and agent, through the gRPC API and the real `kiln` CLI: every read works (list,
 * status, logs, watch, artifact download); submit and cancel answer PERMISSION_DENIED saying a
 * read-only token was used; no token shows in any answer or in the controller's log.
 */
import test from "ava";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { credentials, status, type ServiceError } from "@grpc/grpc-js";
import { startAgent } from "../../agent/farm/index.js";
import { startController } from "../../controller/index.js";
import { FarmClient, State, type ArtifactChunk } from "../../proto/gen/kiln/v1/farm.js";
import { runKilnCli, startKilnController, type KilnRun } from "../fixtures/kiln-cli.js";
import { startNatsServer } from "../fixtures/nats-server.js";
import { bearer, collect, packTemplate, rpc, submitRequest, waitFor, watch } from "./farm-harness.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

const TOKEN = "full-token-7f3a";
const READ_TOKEN = "read-only-token-c91e";
const CONTENT = "read me from the farm\n";

/** `kiln ARGS` in `cwd` against the controller, with `token` as KILN_TOKEN. */
function kilnWith(token: string, cwd: string, controller: string, args: string[]): Promise<KilnRun> {
  return runKilnCli(args, { cwd, env: { HOME: cwd, KILN_CONTROLLER: controller, KILN_TOKEN: token } });
}

test("a read-only token reads builds, logs and artifacts; submit and cancel are refused, saying a read-only token was used", async (t) => {
  t.timeout(3 * 60_000);
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const dir = tempDirSync("kiln-read-only-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "read-token"), `${READ_TOKEN}\n`, { mode: 0o600 });

  const controller = await startKilnController(["--listen", "127.0.0.1:0", "--nats", nats.url, "--read-token-file", join(dir, "read-token")], { PATH: process.env.PATH, HOME: dir, KILN_TOKEN: TOKEN });
  t.teardown(() => void controller.child.kill("SIGKILL"));
  const { address } = controller;
  const agent = await startAgent({ nats: { url: nats.url }, name: "reader-farm", builders: ["file"], pullExpiresMs: 1000 });
  t.teardown(() => agent.stop());
  const client = new FarmClient(address, credentials.createInsecure());
  t.teardown(() => client.close());
  const read = bearer(READ_TOKEN);

  // A build made with the full token.
  const template = JSON.stringify({ builders: [{ type: "file", name: "note", target: "out/note.txt", content: CONTENT }] });
  const submittedBuild = await rpc.submitBuild(client, submitRequest(await packTemplate(dir, { "template.json": template })), bearer(TOKEN));
  const buildId = submittedBuild.build!.id;
  const done = await waitFor("the build to succeed (read with the read-only token)", async () => {
    const b = await rpc.getBuild(client, buildId, read);
    return b.state === State.STATE_SUCCEEDED ? b : undefined;
  }, 60_000);

  // Every read, over gRPC.
  t.true((await rpc.listBuilds(client, read)).builds.some((b) => b.id === buildId));
  t.deepEqual((await rpc.listAgents(client, read)).agents.map((a) => a.name), ["reader-farm"]);
  const output = await collect(watch(client, buildId, 0, true, read));
  t.true(output.some((o) => o.event?.kind === "finished" && o.event.state === State.STATE_SUCCEEDED), "the watch follows the build to its end");
  const file = done.jobs[0]!.artifacts[0]!.files[0]!;
  const chunks = await collect<ArtifactChunk>(client.downloadArtifact({ buildId, jobIndex: 0, path: file.path }, read));
  t.is(Buffer.concat(chunks.map((c) => c.data)).toString(), CONTENT);

  // Every read, through the CLI.
  const builds = await kilnWith(READ_TOKEN, dir, address, ["builds"]);
  t.is(builds.status, 0, builds.stderr);
  t.true(builds.stdout.includes(buildId));
  const logs = await kilnWith(READ_TOKEN, dir, address, ["logs", buildId]);
  t.is(logs.status, 0, logs.stderr);
  const fetched = await kilnWith(READ_TOKEN, dir, address, ["artifacts", "--download", join(dir, "fetched"), buildId]);
  t.is(fetched.status, 0, fetched.stderr);
  t.is(readFileSync(join(dir, "fetched/out/note.txt"), "utf8"), CONTENT);

  // Changes are refused, and say why.
  const submitted = await t.throwsAsync<ServiceError>(rpc.submitBuild(client, submitRequest(await packTemplate(dir, { "template.json": template })), read));
  t.is(submitted!.code, status.PERMISSION_DENIED);
  t.regex(submitted!.details, /SubmitBuild changes the farm.*read-only token/);
  const cancelled = await t.throwsAsync<ServiceError>(rpc.cancelBuild(client, buildId, read));
  t.is(cancelled!.code, status.PERMISSION_DENIED);
  t.regex(cancelled!.details, /CancelBuild changes the farm.*read-only token/);
  t.is((await rpc.listBuilds(client, read)).builds.length, 1, "nothing was submitted");
  const cli = await kilnWith(READ_TOKEN, dir, address, ["cancel", buildId]);
  t.is(cli.status, 1);
  t.regex(cli.stderr, /read-only token/);
  writeFileSync(join(dir, "template.json"), template);
  const cliSubmit = await kilnWith(READ_TOKEN, dir, address, ["submit", "template.json"]);
  t.is(cliSubmit.status, 1);
  t.regex(cliSubmit.stderr, /read-only token/);

  // A token that is neither is still unauthenticated.
  const stranger = await t.throwsAsync<ServiceError>(rpc.listBuilds(client, bearer("neither-token")));
  t.is(stranger!.code, status.UNAUTHENTICATED);

  const stderr = controller.stderr();
  for (const text of [submitted!.details, cancelled!.details, cli.stderr, cliSubmit.stderr, stderr]) {
    t.false(text.includes(READ_TOKEN) || text.includes(TOKEN), `a token leaked into: ${text}`);
  }
  t.regex(stderr, /readOnlyToken[=:" ]+true/, "the controller's log says a read-only token is configured");
});

test("a read-only token needs the full token and must differ from it; an unreadable token file is named", async (t) => {
  t.timeout(60_000);
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const alone = await t.throwsAsync(startController({ listen: "127.0.0.1:0", nats: { url: nats.url }, readOnlyToken: READ_TOKEN }));
  t.regex(alone!.message, /needs the controller's token too/);
  const same = await t.throwsAsync(startController({ listen: "127.0.0.1:0", nats: { url: nats.url }, token: TOKEN, readOnlyToken: TOKEN }));
  t.regex(same!.message, /is the controller's token/);
  t.false(same!.message.includes(TOKEN));

  const dir = tempDirSync("kiln-read-only-flags-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const missing = await runKilnCli(["controller", "--nats", nats.url, "--read-token-file", join(dir, "no-such-file")], { env: { HOME: dir, KILN_TOKEN: TOKEN } });
  t.is(missing.status, 1);
  t.regex(missing.stderr, /cannot read --read-token-file .*no-such-file: ENOENT/);
  const help = await runKilnCli(["controller", "--help"], { env: { HOME: dir } });
  t.regex(help.stdout + help.stderr, /-read-token-file=FILE/);
  t.regex(help.stdout + help.stderr, /KILN_READ_TOKEN\b/);
});
