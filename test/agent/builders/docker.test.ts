/**
 * The docker builder on a real Docker Engine, end to end through `kiln build`: the seed
 * example on the local busybox image (export + docker-import), commit with `changes`, and no
 * container left behind after a failing provisioner or a cancel. Never pulls: local names only.
 */
import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KILN_CONTAINER_LABEL } from "../../../agent/builders/docker/engine.js";
import { useDockerEngine, type DockerEngineFixture } from "../../fixtures/docker-engine.js";
import { startDockerRegistry } from "../../fixtures/docker-registry.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const kiln = join(repo, "bin/kiln.js");

let engine: DockerEngineFixture;
test.before(async () => {
  engine = await useDockerEngine();
});
test.after.always(async () => {
  await engine?.stop();
});

const RUN_COMMAND = ["-d", "-i", "-t", "--network=none", "--entrypoint=/bin/sh", "--", "{{.Image}}"];

function workspace(template: unknown): string {
  const dir = tempDirSync("kiln-docker-");
  writeFileSync(join(dir, "template.json"), JSON.stringify(template, null, 2));
  return dir;
}

function build(dir: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [kiln, "build", "-color=false", "template.json"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, DOCKER_HOST: engine.host },
    timeout: 180_000,
    killSignal: "SIGKILL",
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** Runs `command` in a throwaway container of a local image and returns its stdout. */
async function readFromImage(image: string, command: string): Promise<string> {
  await engine.docker.getImage(image).inspect(); // fails the test instead of letting the engine try a pull
  const r = spawnSync("/usr/bin/docker", ["run", "--rm", "--network=none", "--pull=never", "--entrypoint=/bin/sh", image, "-c", command], {
    encoding: "utf8",
    env: { ...process.env, DOCKER_HOST: engine.host },
    timeout: 60_000,
    killSignal: "SIGKILL",
  });
  if (r.status !== 0) throw new Error(`docker run ${image} failed: ${r.stderr}`);
  return r.stdout;
}

async function containersOf(buildName: string): Promise<string[]> {
  const list = await engine.docker.listContainers({ all: true, filters: { label: [`${KILN_CONTAINER_LABEL}=${buildName}`] } });
  return list.map((c) => c.Id);
}

test.serial("seed example: export, shell and file provisioners, docker-import tags the image and removes the tar", async (t) => {
  const name = `seed-${Date.now()}`;
  const repository = `kiln-test/seed-${Date.now()}`;
  const dir = workspace({
    builders: [{ type: "docker", name, image: engine.baseImage, pull: false, export_path: "./ubuntu-wget.tar", run_command: RUN_COMMAND }],
    provisioners: [
      { type: "shell", inline: ["mkdir -p /opt", "echo \"provisioned by {{build_name}}\" > /etc/motd", "echo to-stderr >&2"] },
      { type: "file", source: "one.txt", destination: "/opt/one.txt" },
      { type: "file", source: "payload", destination: "/opt" },
    ],
    "post-processors": [{ type: "docker-import", repository, tag: "wget" }],
  });
  writeFileSync(join(dir, "one.txt"), "one file\n");
  mkdirSync(join(dir, "payload/sub"), { recursive: true });
  writeFileSync(join(dir, "payload/sub/data.txt"), "payload data\n");

  const r = build(dir);
  t.is(r.status, 0, r.out);
  t.regex(r.out, /Imported ID: sha256:[0-9a-f]{64}/);
  // Packer's ImportArtifact is named by the repository and tag it imported to.
  t.regex(r.out, new RegExp(`--> ${name}: Imported Docker image: ${repository}:wget\n`));
  t.regex(r.out, /to-stderr/);
  t.false(existsSync(join(dir, "ubuntu-wget.tar")), "docker-import should remove the exported tar");
  const content = await readFromImage(`${repository}:wget`, "cat /etc/motd /opt/one.txt /opt/payload/sub/data.txt");
  t.is(content, `provisioned by ${name}\none file\npayload data\n`);
  t.deepEqual(await containersOf(name), []);
  await engine.docker.getImage(`${repository}:wget`).remove({ force: true });
});

test.serial("commit applies changes, author and message; docker-tag names the image and docker-save writes it", async (t) => {
  const name = `commit-${Date.now()}`;
  const repository = `kiln-test/committed-${Date.now()}`;
  const dir = workspace({
    builders: [{
      type: "docker", name, image: engine.baseImage, pull: false, commit: true, run_command: RUN_COMMAND,
      author: "Kiln Tests <kiln@example.invalid>", message: "built by kiln",
      changes: ["CMD [\"/bin/cat\", \"/stamp\"]", "ENV BUILT_BY=kiln", "LABEL farm=lab", "WORKDIR /opt", "EXPOSE 8080"],
    }],
    provisioners: [{ type: "shell", inline: ["echo committed > /stamp"] }],
    "post-processors": [[{ type: "docker-tag", repository, tags: ["v1", "latest"] }, { type: "docker-save", path: "saved.tar" }]],
  });
  const r = build(dir);
  t.is(r.status, 0, r.out);
  t.regex(r.out, new RegExp(`--> ${name}: Imported Docker image: ${repository}:latest`));
  // docker save of the last tag: the tar's manifest names it.
  const listing = spawnSync("tar", ["-xOf", join(dir, "saved.tar"), "manifest.json"], { encoding: "utf8" });
  t.is(listing.status, 0, listing.stderr);
  t.deepEqual((JSON.parse(listing.stdout) as { RepoTags: string[] }[])[0]?.RepoTags, [`${repository}:latest`]);
  const info = await engine.docker.getImage(`${repository}:v1`).inspect();
  t.deepEqual(info.Config.Cmd, ["/bin/cat", "/stamp"]);
  t.true(info.Config.Env.includes("BUILT_BY=kiln"), JSON.stringify(info.Config.Env));
  t.is(info.Config.Labels?.farm, "lab");
  t.is(info.Config.WorkingDir, "/opt");
  t.truthy(info.Config.ExposedPorts?.["8080/tcp"]);
  t.is(info.Author, "Kiln Tests <kiln@example.invalid>");
  t.is(info.Comment, "built by kiln");
  t.is((await engine.docker.getImage(`${repository}:latest`).inspect()).Id, info.Id);
  t.is(await readFromImage(`${repository}:v1`, "cat /stamp"), "committed\n");
  t.deepEqual(await containersOf(name), []);
  await engine.docker.getImage(`${repository}:v1`).remove({ force: true });
  await engine.docker.getImage(`${repository}:latest`).remove({ force: true });
});

test.serial("docker-push sends every tag to a loopback registry, and the image pulls back", async (t) => {
  const registry = await startDockerRegistry();
  t.teardown(() => registry.stop());
  const name = `push-${Date.now()}`;
  const repository = `${registry.address}/kiln-test/pushed`;
  const dir = workspace({
    builders: [{ type: "docker", name, image: engine.baseImage, pull: false, commit: true, run_command: RUN_COMMAND }],
    provisioners: [{ type: "shell", inline: ["echo pushed > /stamp"] }],
    "post-processors": [[{ type: "docker-tag", repository, tags: ["v1", "v2"] }, { type: "docker-push" }]],
  });
  const r = build(dir);
  t.is(r.status, 0, r.out);
  t.is(r.out.match(/Pushing: /g)?.length, 2, r.out);
  const listed = (await (await fetch(`http://${registry.address}/v2/kiln-test/pushed/tags/list`)).json()) as { tags: string[] };
  t.deepEqual([...listed.tags].sort(), ["v1", "v2"]);

  // Pull it back: a build with `pull: true` from the loopback registry, the local copies gone.
  for (const tag of ["v1", "v2"]) await engine.docker.getImage(`${repository}:${tag}`).remove({ force: true });
  const again = workspace({
    builders: [{ type: "docker", name: `${name}-pull`, image: `${repository}:v1`, pull: true, commit: true, run_command: RUN_COMMAND }],
    provisioners: [{ type: "shell", inline: ["cat /stamp"] }],
  });
  const pulled = build(again);
  t.is(pulled.status, 0, pulled.out);
  t.regex(pulled.out, new RegExp(`Pulling Docker image: ${repository}:v1`));
  t.regex(pulled.out, /-pull: pushed/);
  t.is(await readFromImage(`${repository}:v1`, "cat /stamp"), "pushed\n");
  await engine.docker.getImage(`${repository}:v1`).remove({ force: true });
});

test.serial("a failing provisioner fails the build and leaves no container behind", async (t) => {
  const name = `fail-${Date.now()}`;
  const dir = workspace({
    builders: [{ type: "docker", name, image: engine.baseImage, pull: false, discard: true, run_command: RUN_COMMAND }],
    provisioners: [{ type: "shell", inline: ["echo about to fail", "exit 7"] }],
  });
  const r = build(dir);
  t.is(r.status, 1, r.out);
  t.regex(r.out, /exit(ed)? (status|code):? ?7|non-zero exit status: 7/i);
  t.deepEqual(await containersOf(name), []);
});

test.serial("Ctrl-C during a provisioner stops the build and removes the container", async (t) => {
  const name = `cancel-${Date.now()}`;
  const dir = workspace({
    builders: [{ type: "docker", name, image: engine.baseImage, pull: false, discard: true, run_command: RUN_COMMAND }],
    provisioners: [{ type: "shell", inline: ["echo started", "sleep 120"] }],
  });
  const child = spawn(process.execPath, [kiln, "build", "-color=false", "template.json"], { cwd: dir, env: { ...process.env, DOCKER_HOST: engine.host } });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 200 && !out.includes(`${name}: started`); i++) await new Promise((r) => setTimeout(r, 100));
  t.true(out.includes(`${name}: started`), out);
  t.is((await containersOf(name)).length, 1, "the build container should be running before the cancel");
  child.kill("SIGINT");
  const code = await new Promise<number | null>((r) => child.on("exit", r));
  t.is(code, 1, out);
  t.deepEqual(await containersOf(name), []);
});
