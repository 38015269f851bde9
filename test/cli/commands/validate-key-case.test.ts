/**
 * Packer 1.6.6 finds a template's keys as mapstructure does: the exact key, else one equal but
 * for case. The expected texts are what `packer validate` / `packer inspect` 1.6.6 printed.
 */
import test from "ava";
import { kilnIn, workspace } from "./kiln-process.js";
import { goEqualFold } from "../../../shared/template/key-fold.js";

const nullBuilder = { type: "null", communicator: "none" };

function validate(template: unknown): { status: number | null; out: string } {
  const r = kilnIn(workspace({ "t.json": template }), ["validate", "t.json"]);
  return { status: r.status, out: r.stdout + r.stderr };
}

test("a component's key in another case sets it: shell-local's \"Inline\", the root's \"Builders\"", (t) => {
  const r = validate({ Builders: [nullBuilder], Provisioners: [{ type: "shell-local", Inline: ["echo hi"] }], "Post-Processors": [{ type: "manifest", Output: "m.json" }] });
  t.deepEqual(r, { status: 0, out: "" });
});

test("a key given twice, in two cases: the exact one is used and the other is unknown", (t) => {
  const r = validate({ builders: [{ type: "null", communicator: "ssh", ssh_host: "h", SSH_Username: "a", ssh_username: "b" }] });
  t.is(r.status, 1);
  t.true(r.out.startsWith(`Error: Failed to prepare build: "null"\n\n1 error occurred:\n\t* unknown configuration key: '"SSH_Username"'\n`), r.out);
});

test("the template's own keys (type, only, pause_before, …) are read in any case but stay in the component's config, where they are unknown", (t) => {
  const builder = validate({ Builders: [{ Type: "null", communicator: "none" }] });
  t.true(builder.out.startsWith(`Error: Failed to prepare build: "null"\n\n1 error occurred:\n\t* unknown configuration key: '"Type"'\n`), builder.out);
  const provisioner = validate({
    builders: [nullBuilder],
    provisioners: [{ type: "shell-local", Inline: ["echo hi"], Only: ["null"], Pause_Before: "3s", Max_Retries: 2 }],
  });
  t.true(provisioner.out.startsWith(`Error: Failed to prepare build: "null"\n\nError decoding config: 3 errors occurred:\n\t* unknown configuration key: '"Max_Retries"'\n\t* unknown configuration key: '"Only"'\n\t* unknown configuration key: '"Pause_Before"'\n`), provisioner.out);
  const postProcessor = validate({ builders: [nullBuilder], "post-processors": [{ Type: "manifest", Output: "m.json", Keep_Input_Artifact: true, Name: "mf" }] });
  t.true(postProcessor.out.startsWith(`Error: Failed to prepare build: "null"\n\n3 errors occurred:\n\t* unknown configuration key: '"Keep_Input_Artifact"'\n\t* unknown configuration key: '"Name"'\n\t* unknown configuration key: '"Type"'\n`), postProcessor.out);
});

test("a provisioner's \"ONLY\" is its only: a build it names must exist", (t) => {
  const r = validate({ builders: [nullBuilder], provisioners: [{ type: "shell-local", Inline: ["echo hi"], ONLY: ["nope"] }] });
  t.is(r.status, 1);
  t.true(r.out.startsWith(`Error: \n\n1 error occurred:\n\t* provisioner 1: 'only' specified builder 'nope' not found\n`), r.out);
});

test("a \"config\" key in any case is decoded into Packer's Config map first: it must be a map", (t) => {
  const r = validate({ builders: [{ ...nullBuilder, Config: "x" }], provisioners: [{ type: "shell-local", inline: ["a"], CONFIG: 3 }] });
  t.is(r.status, 1);
  t.true(
    r.out.startsWith(
      "Failed to parse template: 2 errors occurred:\n\t* builder 1: 1 error(s) decoding:\n\n* 'Config' expected a map, got 'string'\n" +
        "\t* provisioner 1: Error decoding provisioner: 1 error(s) decoding:\n\n* 'Config' expected a map, got 'float64'\n",
    ),
    r.out,
  );
});

test("keys of a nested struct are found in any case too (amazon-ebs launch_block_device_mappings)", (t) => {
  const r = validate({
    builders: [{
      type: "amazon-ebs", region: "us-east-1", source_ami: "ami-1", instance_type: "t2.micro", ssh_username: "u", ami_name: "x",
      skip_credential_validation: true, access_key: "a", secret_key: "b",
      Launch_Block_Device_Mappings: [{ Device_Name: "/dev/sda1", volume_size: "x", Bogus: 1 }],
    }],
  });
  t.true(r.out.startsWith(`Error: Failed to prepare build: "amazon-ebs"\n\n1 error(s) decoding:\n\n* cannot parse 'launch_block_device_mappings[0].volume_size' as int:\nstrconv.ParseInt: parsing "x": invalid syntax\n`), r.out);
});

test("inspect reads the root's sections in any case; variable names keep their case", (t) => {
  const dir = workspace({
    "t.json": {
      Description: "hello",
      Variables: { Foo: "bar", foo: "baz" },
      Builders: [{ Type: "null", Name: "n1", communicator: "none" }, { type: "null", NAME: "n2", communicator: "none" }],
      Provisioners: [{ TYPE: "shell-local", inline: ["echo"] }],
      "Sensitive-Variables": ["Foo"],
    },
  });
  const r = kilnIn(dir, ["inspect", "t.json"]);
  t.is(r.status, 0);
  t.true(r.stdout.startsWith("Packer Inspect: JSON mode\nDescription:\n\nhello\n\nOptional variables and their defaults:\n\n  Foo = <sensitive>\n  foo = baz\n\nBuilders:\n\n  n1 (null)\n  n2 (null)\n\nProvisioners:\n\n  shell-local\n"), r.stdout);
});

test("Go's EqualFold: ASCII letters in either case, the Kelvin sign as k and the long s as s; nothing else", (t) => {
  t.true(goEqualFold("SSH_Username", "ssh_username"));
  t.true(goEqualFold("\u017fsh_username", "ssh_username"));
  t.true(goEqualFold("\u212aeep_input_artifact", "keep_input_artifact"));
  t.false(goEqualFold("ssh-username", "ssh_username"));
  t.false(goEqualFold("\u0130d", "id"));
});

test("the key spelt as the Go field's own name comes first: \"Variables\", \"Type\", \"Only\", \"Except\" (fields with no mapstructure tag) win over their lower-case spelling", (t) => {
  const root = validate({ variables: { a: "1" }, Variables: { b: "2" }, builders: [nullBuilder] });
  t.true(root.out.startsWith("Failed to parse template: 1 error occurred:\n\t* Unknown root level key in template: 'variables'\n"), root.out);
  const type = validate({ builders: [{ type: "nullx", Type: "null", communicator: "none" }], provisioners: [{ type: "shell-local", Type: "shell-localx", inline: ["a"] }] });
  t.true(type.out.startsWith(`Error: Failed to initialize build "null"\n\nerror initializing provisioner 'shell-localx': Unknown provisioner shell-localx\n`), type.out);
  const onlyExcept = validate({
    builders: [nullBuilder],
    provisioners: [{ type: "shell-local", inline: ["a"], only: ["nope"], Only: ["null"] }],
    "post-processors": [{ type: "manifest", name: "a", Name: "b", except: ["null"], Except: ["zz"] }],
  });
  t.true(onlyExcept.out.startsWith("Error: \n\n1 error occurred:\n\t* post-processor 1.1: 'except' specified builder 'zz' not found\n"), onlyExcept.out);
});

test("a Prepare rule reading a struct inside a list sees its keys in any case (vsphere-iso storage's Disk_Controller_Index)", (t) => {
  const r = validate({
    builders: [{
      type: "vsphere-iso", vcenter_server: "v", username: "u", password: "p", host: "h", ssh_username: "u", guest_os_type: "otherGuest", vm_name: "v",
      Storage: [{ Disk_Size: 1000, Disk_Controller_Index: 3 }],
    }],
  });
  t.is(r.status, 1);
  t.true(r.out.startsWith(`Error: Failed to prepare build: "vsphere-iso"\n\n1 error(s) occurred:\n\n* storage[0].'disk_controller_index' references an unknown disk controller\n`), r.out);
});
