/**
 * The docker communicator against a real engine: exit statuses, separate stdout/stderr, stdin,
 * and files and folders both ways through the archive API (with Packer's "dir" vs "dir/" rule).
 */
import test from "ava";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import type Docker from "dockerode";
import { DockerCommunicator } from "../../../agent/communicators/docker/index.js";
import { useDockerEngine, type DockerEngineFixture } from "../../fixtures/docker-engine.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

let engine: DockerEngineFixture;
let container: Docker.Container;
let comm: DockerCommunicator;

test.before(async () => {
  engine = await useDockerEngine();
  container = await engine.docker.createContainer({
    Image: engine.baseImage,
    Entrypoint: ["/bin/sh"],
    Tty: true,
    OpenStdin: true,
    Labels: { "kiln.build": "communicator-test" },
    HostConfig: { NetworkMode: "none" },
  });
  await container.start();
  comm = new DockerCommunicator(container, { fixUploadOwner: true });
});
test.after.always(async () => {
  await container?.remove({ force: true });
  await engine?.stop();
});

async function runCapture(command: string, stdin?: string): Promise<{ status: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const status = await comm.run({
    command,
    stdin: stdin === undefined ? undefined : Readable.from([Buffer.from(stdin)]),
    onStdout: (c) => (out += c),
    onStderr: (c) => (err += c),
  });
  return { status, out, err };
}

test.serial("run returns the exit status and keeps stdout and stderr apart", async (t) => {
  t.deepEqual(await runCapture("echo out; echo err >&2; exit 3"), { status: 3, out: "out\n", err: "err\n" });
  t.deepEqual(await runCapture("true"), { status: 0, out: "", err: "" });
});

test.serial("run feeds stdin to the command", async (t) => {
  t.deepEqual(await runCapture("cat; echo done", "from stdin\n"), { status: 0, out: "from stdin\ndone\n", err: "" });
});

test.serial("upload writes a file with its mode; download reads it back", async (t) => {
  await comm.upload("/tmp/up.sh", Buffer.from("#!/bin/sh\necho uploaded\n"), { mode: 0o750 });
  t.deepEqual(await runCapture("/tmp/up.sh; stat -c %a /tmp/up.sh"), { status: 0, out: "uploaded\n750\n", err: "" });
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on("data", (c: Buffer) => chunks.push(c));
  await comm.download("/tmp/up.sh", sink);
  t.is(Buffer.concat(chunks).toString(), "#!/bin/sh\necho uploaded\n");
  // Packer 1.6.6's words (its `docker cp` to a missing folder, the docker CLI's stderr then exit status).
  await t.throwsAsync(comm.upload("/no/such/dir/x", Buffer.from("x")), { message: /^Failed to upload to '\/no\/such\/dir\/x' in container: destination "[0-9a-f]{64}:\/no\/such\/dir" must be a directory\n\. exit status 1\.$/ });
  await t.throwsAsync(comm.download("/no/such/file", new PassThrough()), { message: /no such file/ });
});

test.serial("uploadDir and downloadDir follow the trailing-slash rule", async (t) => {
  const local = tempDirSync("kiln-docker-comm-");
  mkdirSync(join(local, "tree/sub"), { recursive: true });
  writeFileSync(join(local, "tree/sub/a.txt"), "a\n");
  writeFileSync(join(local, "tree/top.txt"), "top\n");
  await comm.uploadDir("/srv/one", join(local, "tree"));
  await comm.uploadDir("/srv/two", join(local, "tree") + "/");
  t.is((await runCapture("cat /srv/one/tree/sub/a.txt /srv/two/top.txt")).out, "a\ntop\n");

  const back = join(local, "back");
  await comm.downloadDir("/srv/one", back);
  t.is(readFileSync(join(back, "one/tree/sub/a.txt"), "utf8"), "a\n");
  await comm.downloadDir("/srv/two/", join(local, "flat"));
  t.is(readFileSync(join(local, "flat/top.txt"), "utf8"), "top\n");
  t.true(statSync(join(local, "flat/sub")).isDirectory());
});
