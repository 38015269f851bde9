import test from "ava";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { defaultCatalogue, type PluginCatalogue } from "../../../agent/catalogue.js";
import { extraOutputArtifacts } from "../../../agent/farm/extra-outputs.js";
import { MANIFEST_ARTIFACT_BUILDER_ID } from "../../../shared/bus/index.js";
import { loadTemplateForReport, planTemplate } from "../../../shared/validation/load-and-plan.js";
import type { BuildSpec } from "../../../shared/plan/build-spec.js";
import { tempDir } from "../../fixtures/temp-dir.js";

async function planned(template: unknown): Promise<{ spec: BuildSpec; dir: string }> {
  const dir = await tempDir("kiln-extra-outputs-");
  await writeFile(join(dir, "template.json"), JSON.stringify(template));
  const loaded = loadTemplateForReport("template.json", dir);
  if (!loaded.ok) throw new Error(loaded.text);
  const plan = planTemplate(loaded.template, { vars: [], varFiles: [], only: [], except: [] }, dir, {});
  if (!plan.ok) throw new Error(JSON.stringify(plan.diagnostics));
  return { spec: plan.specs[0], dir };
}

test("the files post-processors declare as extra outputs are shipped once each, when they were written", async (t) => {
  const { spec, dir } = await planned({
    builders: [{ type: "null", communicator: "none" }],
    "post-processors": [
      [{ type: "manifest", output: "out/{{build_name}}.json" }],
      [{ type: "manifest", output: "out/{{build_name}}.json" }, { type: "checksum", output: "sums" }],
      [{ type: "manifest", output: "never-written.json" }],
    ],
  });
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, "out"));
  await writeFile(join(dir, "out", "null.json"), "{}");
  await writeFile(join(dir, "sums"), "x");
  t.deepEqual(await extraOutputArtifacts(spec, dir, defaultCatalogue), [
    { builderId: MANIFEST_ARTIFACT_BUILDER_ID, id: "out/null.json", files: ["out/null.json"], description: "Manifest: out/null.json" },
  ]);

  // Whatever a plugin declares is what ships: the agent knows no post-processor by name.
  const catalogue: PluginCatalogue = {
    ...defaultCatalogue,
    async postProcessor(type) {
      const real = await defaultCatalogue.postProcessor(type);
      return type === "checksum" ? { ...real, extraOutputs: () => [{ builderId: "test.sums", file: "sums", description: "sums" }] } : real;
    },
  };
  t.deepEqual(
    (await extraOutputArtifacts(spec, dir, catalogue)).map((a) => [a.builderId, a.id]),
    [[MANIFEST_ARTIFACT_BUILDER_ID, "out/null.json"], ["test.sums", "sums"]],
  );
});
