import test from "ava";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packerKeySchema } from "../../../../shared/components/packer-keys/key-schema.js";
import { prepareContext, problemsOf, raw } from "../prepare-context.js";
import { tempDirSync } from "../../../fixtures/temp-dir.js";

const cwd = tempDirSync("kiln-vagrant-rules-");
const check = (config: Record<string, unknown>): string[] => problemsOf(() => packerKeySchema("builder", "vagrant")!.prepare(raw("vagrant", config), prepareContext(cwd, "vagrant")));
const ssh = { communicator: "ssh" };

test("the vagrant builder needs communicator set to ssh: Packer 1.6.6 gives it no default", (t) => {
  const message = `The Vagrant builder currently only supports the ssh communicator"`;
  t.deepEqual(check({ source_path: "hashicorp/precise64", provider: "virtualbox" }), [message]);
  t.deepEqual(check({ communicator: "winrm", winrm_username: "u", source_path: "hashicorp/precise64" }), [message]);
  // The communicator's own checks never run: no ssh_username is needed.
  t.deepEqual(check({ ...ssh, source_path: "hashicorp/precise64" }), []);
});

test("the vagrant builder: source_path or global_id (not both), a local .box that exists, a known teardown_method, an existing synced_folder", (t) => {
  t.deepEqual(check(ssh), ["source_path is required unless you have set global_id"]);
  t.deepEqual(check({ ...ssh, global_id: "a1b2c3" }), []);
  t.deepEqual(check({ ...ssh, source_path: "hashicorp/precise64", global_id: "a1b2c3" }), ["You may either set global_id or source_path but not both"]);
  t.deepEqual(check({ ...ssh, source_path: "missing.box" }), ["Source box 'missing.box' needs to exist at time of config validation! stat missing.box: no such file or directory"]);
  t.deepEqual(check({ ...ssh, source_path: "https://example.com/x.box" }), [], "a remote box is fetched later");
  writeFileSync(join(cwd, "local.box"), "");
  t.deepEqual(check({ ...ssh, source_path: "local.box" }), []);
  t.deepEqual(check({ ...ssh, global_id: "a1", teardown_method: "HALT" }), []);
  t.deepEqual(check({ ...ssh, global_id: "a1", teardown_method: "stop" }), [`TeardownMethod must be "halt", "suspend", or "destroy"`]);
  t.deepEqual(check({ ...ssh, global_id: "a1", synced_folder: "nope" }), [`synced_folder "${join(cwd, "nope")}" does not exist on the Packer host.`]);
  mkdirSync(join(cwd, "shared"));
  t.deepEqual(check({ ...ssh, global_id: "a1", synced_folder: "shared" }), []);
});
