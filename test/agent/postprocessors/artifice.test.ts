import test from "ava";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { plugin } from "../../../agent/postprocessors/artifice/index.js";
import { goGlob } from "../../../agent/postprocessors/artifice/go-glob.js";
import type { Artifact } from "../../../agent/runner/artifact.js";
import type { Config } from "../../../shared/components/post-processors/artifice.js";
import { ConfigErrors } from "../../../shared/components/problems.js";
import { prepareContext, recordingContext, tempDir } from "../fixtures/recording-run-context.js";

function prepare(dir: string, config: Record<string, unknown>): Config {
  return plugin.schema.prepare({ type: "artifice", config }, prepareContext(dir, { name: "b", type: "null" }, {}));
}

async function tree(dir: string): Promise<void> {
  await mkdir(join(dir, "out/sub"), { recursive: true });
  for (const f of ["out/b.img", "out/a.img", "out/.hidden.img", "out/notes.txt", "out/sub/c.img", "bin"]) await writeFile(join(dir, f), f);
}

test("files (globs included) become the artifact; the input's files are announced as discarded but kept by default", async (t) => {
  const dir = await tempDir();
  await tree(dir);
  const { ctx, texts } = recordingContext(dir);
  const input: Artifact = { builderId: "packer.file", id: "x", files: ["bin"], description: "" };
  const result = await plugin.postProcess(ctx, prepare(dir, { files: ["out/*.img", "bin", "nothing-*.iso"] }), input);
  t.deepEqual(result.artifact.files, ["out/.hidden.img", "out/a.img", "out/b.img", "bin"]);
  t.is(result.artifact.builderId, "packer.post-processor.artifice");
  t.is(result.artifact.description, "Created artifact from files: out/.hidden.img, out/a.img, out/b.img, bin");
  t.true(result.keepInput);
  t.falsy(result.forceKeepInput);
  t.deepEqual(texts("say"), ["Discarding files from artifact: bin", "Using these artifact files: out/.hidden.img, out/a.img, out/b.img, bin"]);
});

test("globs follow Go's filepath.Glob: one segment per wildcard, classes, folders as wildcards, absolute stays absolute", async (t) => {
  const dir = await tempDir();
  await tree(dir);
  t.deepEqual(await goGlob("out/[ab].img", dir), ["out/a.img", "out/b.img"]);
  t.deepEqual(await goGlob("*/c.img", join(dir, "out")), ["sub/c.img"]);
  t.deepEqual(await goGlob("o?t/*/c.img", dir), ["out/sub/c.img"]);
  t.deepEqual(await goGlob("out/*.{img,txt}", dir), [], "no brace expansion in Go");
  t.deepEqual(await goGlob("out/**", dir), await goGlob("out/*", dir), "** is just *");
  t.deepEqual(await goGlob(join(dir, "out/notes.*"), "/"), [join(dir, "out/notes.txt")]);
  t.deepEqual(await goGlob("missing.txt", dir), []);
});

test("an empty files list is refused with Packer's message", (t) => {
  const err = t.throws(() => prepare("/tmp", { files: [] }));
  t.true(err instanceof ConfigErrors);
  t.is(err?.message, "No files specified in artifice configuration");
});
