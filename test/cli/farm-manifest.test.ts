import test from "ava";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mergeManifestFile, mergeManifests } from "../../cli/farm-client/manifest-merge.js";
import type { ManifestBuild, ManifestFile } from "../../agent/postprocessors/manifest/manifest-file.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

function entry(name: string, run: string): ManifestBuild {
  return { name, builder_type: name, build_time: 1700000000, files: [{ name: `${name}.txt`, size: 3 }], artifact_id: name, packer_run_uuid: run, custom_data: null };
}
function jobManifest(name: string, run: string): ManifestFile {
  return { builds: [entry(name, run)], last_run_uuid: run };
}

test("jobs' manifests are appended to what the client's manifest already held, in finishing order", (t) => {
  const existing: ManifestFile = { builds: [entry("old", "run-0")], last_run_uuid: "run-0" };
  const merged = mergeManifests(existing, [jobManifest("file", "run-1"), jobManifest("null", "run-1")], { force: false });
  t.deepEqual(merged.builds?.map((b) => [b.name, b.packer_run_uuid]), [["old", "run-0"], ["file", "run-1"], ["null", "run-1"]]);
  t.is(merged.last_run_uuid, "run-1");
});

test("with -force a manifest from another run is started afresh, once, and this run's builds all stay", (t) => {
  const existing: ManifestFile = { builds: [entry("old", "run-0")], last_run_uuid: "run-0" };
  const merged = mergeManifests(existing, [jobManifest("file", "run-1"), jobManifest("null", "run-1")], { force: true });
  t.deepEqual(merged.builds?.map((b) => b.name), ["file", "null"]);
});

test("no manifest yet: the merged file lists every build, written as the post-processor writes it", async (t) => {
  const dir = tempDirSync("kiln-manifest-merge-");
  const path = join(dir, "packer-manifest.json");
  const texts = [jobManifest("a", "r"), jobManifest("b", "r")].map((m) => JSON.stringify(m));
  await mergeManifestFile(path, "packer-manifest.json", texts, { force: false });
  const text = readFileSync(path, "utf8");
  const doc = JSON.parse(text) as { builds: { name: string }[]; last_run_uuid: string };
  t.deepEqual(doc.builds.map((b) => b.name), ["a", "b"]);
  t.is(doc.last_run_uuid, "r");
  // Go's json.MarshalIndent layout: two-space indent, keys in Packer's order.
  t.true(text.startsWith('{\n  "builds": [\n    {\n      "name": "a",\n      "builder_type": "a",\n      "build_time": 1700000000,'));
  // An empty file (as a crashed run may leave) counts as no manifest.
  writeFileSync(path, "");
  await mergeManifestFile(path, "packer-manifest.json", texts.slice(0, 1), { force: false });
  t.deepEqual((JSON.parse(readFileSync(path, "utf8")) as { builds: { name: string }[] }).builds.map((b) => b.name), ["a"]);
});

test("a damaged manifest from a job is reported with the file's name", async (t) => {
  const dir = tempDirSync("kiln-manifest-merge-");
  await t.throwsAsync(mergeManifestFile(join(dir, "m.json"), "m.json", ["{not json"], { force: false }), { message: /Unable to parse content from m\.json/ });
});

test("a manifest into a folder this machine does not have yet is written there, the folder made", async (t) => {
  const dir = tempDirSync("kiln-manifest-merge-");
  const path = join(dir, "out", "deeper", "manifest.json");
  await mergeManifestFile(path, "out/deeper/manifest.json", [JSON.stringify(jobManifest("a", "r"))], { force: false });
  t.deepEqual((JSON.parse(readFileSync(path, "utf8")) as { builds: { name: string }[] }).builds.map((b) => b.name), ["a"]);
});
