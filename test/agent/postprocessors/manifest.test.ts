import test from "ava";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { plugin } from "../../../agent/postprocessors/manifest/index.js";
import type { Artifact } from "../../../agent/runner/artifact.js";
import type { Config } from "../../../shared/components/post-processors/manifest.js";
import { prepareContext, recordingContext, tempDir } from "../fixtures/recording-run-context.js";

const RUN = "aaaaaaaa-0000-0000-0000-000000000001";

function prepare(dir: string, config: Record<string, unknown>): Config {
  return plugin.schema.prepare({ type: "manifest", config }, prepareContext(dir, { name: "b", type: "null" }, {}));
}

function artifact(files: string[], id = "image-1"): Artifact {
  return { builderId: "packer.file", id, files, description: "test" };
}

async function runFor(dir: string, name: string, type: string, config: Config, input: Artifact, run = RUN) {
  const { ctx } = recordingContext(dir, { build: { name, type }, generated: { PackerRunUUID: run } });
  return plugin.postProcess(ctx, config, input);
}

test("two builds are appended to one manifest with Packer's shape; the input is passed on and kept", async (t) => {
  const dir = await tempDir();
  await writeFile(join(dir, "disk.img"), "12345");
  const config = prepare(dir, { output: "out/../manifest.json", custom_data: { owner: "team-a" } });
  const before = Math.floor(Date.now() / 1000);
  const input = artifact(["disk.img", "missing.bin"]);
  const result = await runFor(dir, "first", "qemu", config, input);
  t.is(result.artifact, input);
  t.true(result.keepInput && result.forceKeepInput === true);
  await runFor(dir, "second", "null", prepare(dir, { output: "manifest.json" }), artifact([], "Null"));

  const text = await readFile(join(dir, "manifest.json"), "utf8");
  const m = JSON.parse(text);
  t.deepEqual(Object.keys(m), ["builds", "last_run_uuid"]);
  t.is(m.last_run_uuid, RUN);
  t.is(m.builds.length, 2);
  const [a, b] = m.builds;
  t.deepEqual(Object.keys(a), ["name", "builder_type", "build_time", "files", "artifact_id", "packer_run_uuid", "custom_data"]);
  t.is(a.name, "first");
  t.is(a.builder_type, "qemu");
  t.true(a.build_time >= before && a.build_time <= Math.floor(Date.now() / 1000) + 1);
  t.deepEqual(a.files, [
    { name: "disk.img", size: 5 },
    { name: "missing.bin", size: 0 },
  ]);
  t.is(a.artifact_id, "image-1");
  t.is(a.packer_run_uuid, RUN);
  t.deepEqual(a.custom_data, { owner: "team-a" });
  // No files and no custom data: Go writes null for both.
  t.is(b.name, "second");
  t.is(b.files, null);
  t.is(b.custom_data, null);
  t.is(b.artifact_id, "Null");
  // Go's MarshalIndent: two spaces, no trailing newline.
  t.true(text.startsWith('{\n  "builds": [\n    {\n      "name": "first",'));
  t.false(text.endsWith("\n"));
});

test("strip_path keeps only file names; strip_time leaves build_time out; custom data is escaped like Go", async (t) => {
  const dir = await tempDir();
  await writeFile(join(dir, "a.txt"), "a");
  const config = prepare(dir, { output: "m.json", strip_path: true, strip_time: "true", custom_data: { html: "<b>&</b>" } });
  await runFor(dir, "b", "file", config, artifact([join(dir, "a.txt")]));
  const text = await readFile(join(dir, "m.json"), "utf8");
  const build = JSON.parse(text).builds[0];
  t.deepEqual(build.files, [{ name: "a.txt", size: 1 }]);
  t.false("build_time" in build);
  t.is(build.custom_data.html, "<b>&</b>");
  t.true(text.includes('"html": "\\u003cb\\u003e\\u0026\\u003c/b\\u003e"'));
});

test("a manifest from another run is appended to, unless -force (packer_force) starts it afresh", async (t) => {
  const dir = await tempDir();
  await runFor(dir, "old", "null", prepare(dir, { output: "m.json" }), artifact([]), "old-run");
  await runFor(dir, "new", "null", prepare(dir, { output: "m.json" }), artifact([]), "new-run");
  let m = JSON.parse(await readFile(join(dir, "m.json"), "utf8"));
  t.deepEqual(m.builds.map((b: { name: string }) => b.name), ["old", "new"]);
  t.is(m.last_run_uuid, "new-run");

  await runFor(dir, "forced", "null", prepare(dir, { output: "m.json", packer_force: true }), artifact([]), "third-run");
  await runFor(dir, "same-run", "null", prepare(dir, { output: "m.json", packer_force: true }), artifact([]), "third-run");
  m = JSON.parse(await readFile(join(dir, "m.json"), "utf8"));
  t.deepEqual(m.builds.map((b: { name: string }) => b.name), ["forced", "same-run"]);
});

test("keys Packer does not know are dropped from an existing manifest; a broken one is an error naming the file", async (t) => {
  const dir = await tempDir();
  await writeFile(join(dir, "m.json"), JSON.stringify({ builds: [{ name: "x", extra: 1, build_time: 0 }], last_run_uuid: "r", other: true }));
  await runFor(dir, "y", "null", prepare(dir, { output: "m.json", strip_time: true }), artifact([]));
  const m = JSON.parse(await readFile(join(dir, "m.json"), "utf8"));
  t.deepEqual(m.builds[0], { name: "x", builder_type: "", files: null, artifact_id: "", packer_run_uuid: "", custom_data: null });
  t.false("other" in m);

  await writeFile(join(dir, "bad.json"), "{not json");
  const err = await t.throwsAsync(runFor(dir, "z", "null", prepare(dir, { output: "bad.json" }), artifact([])));
  t.regex(err?.message ?? "", /^Unable to parse content from bad\.json: /);
});

test("parallel builds writing one manifest all land in it", async (t) => {
  const dir = await tempDir();
  const config = prepare(dir, { output: "m.json" });
  await Promise.all(Array.from({ length: 8 }, (_, i) => runFor(dir, `b${i}`, "null", config, artifact([]))));
  const m = JSON.parse(await readFile(join(dir, "m.json"), "utf8"));
  t.deepEqual(m.builds.map((b: { name: string }) => b.name).sort(), ["b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7"]);
  await t.throwsAsync(readFile(join(dir, "m.json.lock")), undefined, "the lock file is removed");
});

test("output defaults to packer-manifest.json", (t) => {
  t.is(prepare("/tmp", {}).output, "packer-manifest.json");
});
