import test from "ava";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { schema, type Config } from "../../../../shared/components/builders/docker.js";
import { prepareContext, problemsOf, raw } from "../prepare-context.js";
import { tempDirSync } from "../../../fixtures/temp-dir.js";

const cwd = tempDirSync("kiln-docker-schema-");
const prepare = (config: Record<string, unknown>): Config => schema.prepare(raw("docker", config), prepareContext(cwd, "docker")) as Config;

test("exactly one of commit, discard and export_path", (t) => {
  t.deepEqual(problemsOf(() => prepare({ image: "ubuntu:20.04", commit: true, discard: true })), ["Cannot specify more than one of commit, discard, and export_path"]);
  t.deepEqual(problemsOf(() => prepare({})), [
    "Image must be specified",
    "No instructions given for handling the artifact; expected commit, discard, or export_path",
  ]);
});

test("export_path must not be a directory; ECR login needs a server", (t) => {
  mkdirSync(join(cwd, "out-dir"), { recursive: true });
  t.deepEqual(problemsOf(() => prepare({ image: "alpine", export_path: "out-dir" })), ["export_path must be a file, not a directory"]);
  t.deepEqual(problemsOf(() => prepare({ image: "alpine", commit: true, ecr_login: true })), ["ECR login requires login server to be provided."]);
});

test("defaults: docker communicator, pull unless told otherwise, run_command kept as a template", (t) => {
  const c = prepare({ image: "alpine", commit: "true", changes: ["USER www-data"] });
  t.is(c.communicator.type, "docker");
  t.true(c.pull);
  t.true(c.fixUploadOwner);
  t.is(c.containerDir, "/packer-files");
  t.deepEqual(c.runCommand, ["-d", "-i", "-t", "--entrypoint=/bin/sh", "--", "{{.Image}}"]);
  t.false(prepare({ image: "alpine", discard: true, pull: false }).pull);
  t.deepEqual(prepare({ image: "alpine", discard: true, run_command: ["-d", "{{.Image}}"] }).runCommand, ["-d", "{{.Image}}"]);
});

test("unknown keys are refused (docker's key list is complete); login_email is Packer's deprecated key", (t) => {
  t.deepEqual(problemsOf(() => prepare({ image: "alpine", commit: true, bogus_key: "a@b" })), [`unknown configuration key: '"bogus_key"'`]);
  const deprecated = problemsOf(() => prepare({ image: "alpine", commit: true, login_email: "a@b" }));
  t.is(deprecated.length, 1);
  t.regex(deprecated[0], /^Deprecated configuration key: 'login_email'\. Please call `packer fix`/);
});
