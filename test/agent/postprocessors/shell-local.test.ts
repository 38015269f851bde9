import test from "ava";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { plugin } from "../../../agent/postprocessors/shell-local/index.js";
import type { Artifact } from "../../../agent/runner/artifact.js";
import type { Config } from "../../../shared/components/post-processors/shell-local.js";
import { interpolationEngineReady, prepareContext, recordingContext, tempDir } from "../fixtures/recording-run-context.js";

const engineTest = interpolationEngineReady ? test : test.skip;
const input: Artifact = { builderId: "packer.file", id: "f", files: ["f.txt"], description: "Stored file: f.txt" };

function prepare(dir: string, config: Record<string, unknown>): Config {
  return plugin.schema.prepare({ type: "shell-local", config }, prepareContext(dir, { name: "b", type: "null" }, {}));
}

test("runs its script and passes the input artifact on, forcing it to be kept", async (t) => {
  const dir = await tempDir();
  await writeFile(join(dir, "pp.sh"), "#!/bin/sh\necho post-processing in $(pwd)\n", { mode: 0o755 });
  const { ctx, texts } = recordingContext(dir);
  const result = await plugin.postProcess(ctx, prepare(dir, { script: "pp.sh", execute_command: ["/bin/sh", join(dir, "pp.sh")] }), input);
  t.is(result.artifact, input);
  t.true(result.keepInput);
  t.true(result.forceKeepInput === true);
  t.deepEqual(texts("message"), [`post-processing in ${dir}`]);
});

test("a failing script fails the post-processor", async (t) => {
  const dir = await tempDir();
  await writeFile(join(dir, "bad.sh"), "#!/bin/sh\nexit 7\n", { mode: 0o755 });
  const { ctx } = recordingContext(dir);
  const err = await t.throwsAsync(plugin.postProcess(ctx, prepare(dir, { script: "bad.sh", execute_command: ["/bin/sh", join(dir, "bad.sh")] }), input));
  t.is(err?.message, "Script exited with non-zero exit status: 7.Allowed exit codes are: [0]");
});

engineTest("the old one-string execute_command runs under sh -c with .Vars and .Script", async (t) => {
  const dir = await tempDir();
  const { ctx, texts } = recordingContext(dir, { build: { name: "web", type: "docker" } });
  await plugin.postProcess(ctx, prepare(dir, { inline: ['echo "$PACKER_BUILD_NAME $PACKER_BUILDER_TYPE $X"'], environment_vars: ["X=1"], execute_command: "{{.Vars}} /bin/sh {{.Script}}" }), input);
  t.deepEqual(texts("message"), ["web docker 1"]);
});
