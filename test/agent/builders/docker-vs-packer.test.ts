/**
 * The same docker template built by Packer 1.6.6 and by Kiln on the same engine: both images must
 * hold the same provisioned files and the same committed ENV (the behaviour Kiln promises to copy).
 */
import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useDockerEngine, type DockerEngineFixture } from "../../fixtures/docker-engine.js";
import { runKilnCli } from "../../fixtures/kiln-cli.js";
import { runPacker } from "../../fixtures/packer-cli.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

let engine: DockerEngineFixture;
let cwd: string;
test.before(async () => {
  engine = await useDockerEngine();
  cwd = tempDirSync("kiln-docker-vs-packer-");
});
test.after.always(async () => {
  for (const image of ["kiln-test/from-packer:same", "kiln-test/from-kiln:same"]) await engine?.docker.getImage(image).remove({ force: true }).catch(() => undefined);
  if (cwd) rmSync(cwd, { recursive: true, force: true });
  await engine?.stop();
});

function template(repository: string): string {
  return JSON.stringify({
    builders: [{
      type: "docker", image: engine.baseImage, pull: false, commit: true, changes: ["ENV BUILT=yes"],
      run_command: ["-d", "-i", "-t", "--network=none", "--entrypoint=/bin/sh", "--", "{{.Image}}"],
    }],
    provisioners: [
      { type: "shell", inline: ["mkdir -p /opt", "echo provisioned by $PACKER_BUILDER_TYPE > /etc/motd"] },
      { type: "file", source: "one.txt", destination: "/opt/one.txt" },
      { type: "file", source: "payload", destination: "/opt" },
    ],
    "post-processors": [[{ type: "docker-tag", repository, tags: ["same"] }]],
  });
}

function filesIn(image: string, env: NodeJS.ProcessEnv): string {
  const r = spawnSync("docker", ["run", "--rm", "--network=none", "--entrypoint=/bin/sh", image, "-c", "cat /etc/motd /opt/one.txt /opt/payload/sub/data.txt; echo BUILT=$BUILT"], { env, encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL" });
  if (r.status !== 0) throw new Error(`reading ${image}: ${r.stderr}`);
  return r.stdout;
}

test("packer build and kiln build of one docker template give images with the same files", async (t) => {
  t.timeout(400_000);
  const env = { ...process.env, DOCKER_HOST: engine.host, CHECKPOINT_DISABLE: "1", PACKER_TMP_DIR: join(cwd, "packer-tmp") };
  mkdirSync(join(cwd, "payload/sub"), { recursive: true });
  mkdirSync(env.PACKER_TMP_DIR, { recursive: true });
  writeFileSync(join(cwd, "payload/sub/data.txt"), "payload data\n");
  writeFileSync(join(cwd, "one.txt"), "one file\n");
  writeFileSync(join(cwd, "packer.json"), template("kiln-test/from-packer"));
  writeFileSync(join(cwd, "kiln.json"), template("kiln-test/from-kiln"));
  const p = await runPacker(["build", "-color=false", "packer.json"], { cwd, env, killAfterMs: 180_000 });
  t.is(p.status, 0, `packer: ${p.stdout}${p.stderr}`);
  const k = await runKilnCli(["build", "-color=false", "kiln.json"], { cwd, env, killAfterMs: 180_000 });
  t.is(k.status, 0, `kiln: ${k.stdout}${k.stderr}`);
  const fromPacker = filesIn("kiln-test/from-packer:same", env);
  t.is(fromPacker, "provisioned by docker\none file\npayload data\nBUILT=yes\n");
  t.is(filesIn("kiln-test/from-kiln:same", env), fromPacker);
});

/** The files and ids of m.json's builds (undefined without one). */
function manifestFiles(dir: string): unknown {
  const path = join(dir, "m.json");
  if (!existsSync(path)) return undefined;
  return (JSON.parse(readFileSync(path, "utf8")) as { builds: { files: unknown; artifact_id: string }[] }).builds.map((b) => [b.files, b.artifact_id]);
}

/** One build's output with what differs from run to run made constant: ids, temp folders, durations. */
function normalisedOutput(text: string, ...tempDirs: string[]): string[] {
  return text.split("\n").map((l) => {
    let line = l.replace(/^\d{9,},/, "T,").replace(/\b[0-9a-f]{64}\b/g, "ID").replace(/\b[0-9a-f]{12}\b/g, "ID").replace(/after \d[^.:\x1b]*/, "after D");
    // Packer's shared folder is <tmp>/tmpNNN; Kiln's is its build's scratch folder.
    line = line.replace(/-v \S+:\/packer-files/, "-v TEMP:/packer-files");
    for (const d of tempDirs) line = line.replaceAll(d, "DIR");
    return line;
  });
}

test("an export build and a failed upload print what packer 1.6.6 prints, colours and machine-readable records alike", async (t) => {
  t.timeout(400_000);
  const dir = tempDirSync("kiln-docker-output-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, DOCKER_HOST: engine.host, CHECKPOINT_DISABLE: "1", PACKER_TMP_DIR: join(dir, "packer-tmp") };
  mkdirSync(env.PACKER_TMP_DIR, { recursive: true });
  writeFileSync(join(dir, "hello.jar"), "not really a jar\n");
  // 56-jhajek-docker-basic (export_path) and adampie/docker-vs-packer (a file into a missing folder),
  // on the local busybox image.
  writeFileSync(join(dir, "export.json"), JSON.stringify({ builders: [{ type: "docker", image: engine.baseImage, pull: false, export_path: "out/docker-basic.tar" }] }));
  writeFileSync(join(dir, "upload.json"), JSON.stringify({
    builders: [{ type: "docker", image: engine.baseImage, pull: false, commit: true, changes: ["WORKDIR /usr/src"] }],
    provisioners: [{ type: "file", source: "hello.jar", destination: "/usr/src/hello.jar" }],
  }));
  // wtsi-hgi/hgi-cloud packer/docker.json (its shell script kept, ansible-local left out, sh for
  // bash), its docker-import chained to a docker-tag, and a manifest.
  mkdirSync(join(dir, "packer/scripts"), { recursive: true });
  writeFileSync(join(dir, "packer/scripts/setup.sh"), 'echo "setup in $PWD, FOO=$FOO"\n');
  writeFileSync(join(dir, "import.json"), JSON.stringify({
    variables: { role_name: "container", role_version: "0.0.0", build_prefix: "prefix" },
    builders: [{ type: "docker", image: engine.baseImage, pull: false, run_command: ["--detach", "--interactive", "--tty", "--entrypoint=/bin/sh", "--", "{{.Image}}"], export_path: "{{user `build_prefix`}}/docker-{{user `role_name`}}-{{user `role_version`}}.tar" }],
    provisioners: [{ type: "shell", execute_command: "{{.Vars}} sh '{{.Path}}'", script: "packer/scripts/setup.sh", environment_vars: ["FOO=bar"] }],
    "post-processors": [
      [{ type: "docker-import", repository: "kiln-test/hgi-{{user `role_name`}}", tag: "{{user `role_version`}}" }, { type: "docker-tag", repository: "kiln-test/hgi-tagged", tag: "x" }],
      { type: "manifest", output: "manifest.json" },
    ],
  }));
  // discard still makes Packer's ExportArtifact (an empty path): post-processors run on it.
  writeFileSync(join(dir, "discard.json"), JSON.stringify({
    builders: [{ type: "docker", name: "d", image: engine.baseImage, pull: false, discard: true }],
    "post-processors": [{ type: "manifest", output: "m.json", strip_path: true }],
  }));
  t.teardown(async () => {
    for (const image of ["kiln-test/hgi-container:0.0.0", "kiln-test/hgi-tagged:x"]) await engine.docker.getImage(image).remove({ force: true }).catch(() => undefined);
  });
  for (const [file, flags, status] of [["export.json", [], 0], ["export.json", ["-machine-readable"], 0], ["upload.json", [], 1], ["upload.json", ["-machine-readable"], 1], ["import.json", [], 0], ["discard.json", ["-machine-readable"], 0]] as const) {
    rmSync(join(dir, "out"), { recursive: true, force: true });
    rmSync(join(dir, "m.json"), { force: true });
    const p = await runPacker(["build", ...flags, file], { cwd: dir, env, killAfterMs: 180_000 });
    t.is(p.status, status, `packer: ${p.stdout}${p.stderr}`);
    const packerManifest = manifestFiles(dir);
    rmSync(join(dir, "out"), { recursive: true, force: true });
    rmSync(join(dir, "m.json"), { force: true });
    const k = await runKilnCli(["build", ...flags, file], { cwd: dir, env, killAfterMs: 180_000 });
    t.is(k.status, status, `kiln: ${k.stdout}${k.stderr}`);
    t.deepEqual(normalisedOutput(k.stdout, dir), normalisedOutput(p.stdout, dir), `${file} ${flags.join(" ")}`);
    if (file === "export.json") t.true(existsSync(join(dir, "out/docker-basic.tar")));
    t.deepEqual(manifestFiles(dir), packerManifest, `${file}: the manifest's files`);
    // The discarded container's artifact names "" as its file, which resolves to this folder:
    // destroying that artifact once removed the whole working folder.
    t.true(existsSync(join(dir, "hello.jar")), `${file}: the working folder survives`);
  }
});
