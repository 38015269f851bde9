import test from "ava";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { schema as vagrant, type Config as VagrantConfig } from "../../../../shared/components/post-processors/vagrant.js";
import { schema as dockerTag, type Config as TagConfig } from "../../../../shared/components/post-processors/docker-tag.js";
import { schema as dockerSave } from "../../../../shared/components/post-processors/docker-save.js";
import { schema as dockerPush } from "../../../../shared/components/post-processors/docker-push.js";
import { prepareContext, problemsOf, raw } from "../prepare-context.js";
import { tempDirSync } from "../../../fixtures/temp-dir.js";

const cwd = tempDirSync("kiln-pp-schemas-");

test("vagrant: a vagrantfile_template that does not exist is refused; one that exists is accepted", (t) => {
  t.deepEqual(problemsOf(() => vagrant.prepare(raw("vagrant", { vagrantfile_template: "tpl/name.rb" }), prepareContext(cwd, "b"))), [
    "vagrantfile_template 'tpl/name.rb' does not exist",
  ]);
  mkdirSync(join(cwd, "tpl"), { recursive: true });
  writeFileSync(join(cwd, "tpl", "name.rb"), "Vagrant.configure('2') {}\n");
  const c = vagrant.prepare(raw("vagrant", { vagrantfile_template: "tpl/name.rb", compression_level: 9, output: "out/{{ .Provider }}.box" }), prepareContext(cwd, "b")) as VagrantConfig;
  t.is(c.compressionLevel, 9);
  t.is(c.output, "out/{{ .Provider }}.box");
});

test("docker-tag merges tags and tag; docker-save validates without a path (as Packer; the run fails); docker-push ECR needs a server", (t) => {
  const c = dockerTag.prepare(raw("docker-tag", { repository: "myrepo/myimage", tags: ["a"], tag: "0.7" }), prepareContext(cwd, "d")) as TagConfig;
  t.deepEqual(c.tags, ["a", "0.7"]);
  t.deepEqual(problemsOf(() => dockerSave.prepare(raw("docker-save", {}), prepareContext(cwd, "d"))), []);
  t.deepEqual(problemsOf(() => dockerPush.prepare(raw("docker-push", { ecr_login: true }), prepareContext(cwd, "d"))), ["ECR login requires login server to be provided."]);
});
