import test from "ava";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkHclTemplate, initializeHclTemplate, parseHclTemplate, type HclCheckOptions } from "../../../../../shared/template/hcl2/packer/index.js";
import type { BuildSpec } from "../../../../../shared/plan/build-spec.js";
import { tempDirSync } from "../../../../fixtures/temp-dir.js";

function workspace(t: { teardown: (f: () => void) => void }, files: Record<string, string>): string {
  const dir = tempDirSync("kiln-hcl-plan-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const NO_INPUTS: HclCheckOptions = { vars: [], varFiles: [], env: {}, only: [], except: [] };

async function plan(dir: string, target: string, opts: Partial<HclCheckOptions> = {}): Promise<BuildSpec[]> {
  const r = await checkHclTemplate(target, dir, { ...NO_INPUTS, ...opts });
  if (!r.ok) throw new Error(r.text);
  return r.specs;
}

const MULTI_SOURCE = `
variable "disks" {
  type    = map(number)
  default = { "/dev/sdb" = 10, "/dev/sdc" = 20 }
}

variable "team" {
  default = "platform"
}

locals {
  tags = { for k in ["owner", "env"] : k => k == "owner" ? var.team : "test" }
}

source "amazon-ebs" "ubuntu" {
  region        = "us-east-1"
  source_ami    = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  ssh_username  = "ubuntu"
  ami_name      = "kiln-\${source.name}"
  tags          = local.tags

  dynamic "launch_block_device_mappings" {
    for_each = var.disks
    content {
      device_name = launch_block_device_mappings.key
      volume_size = launch_block_device_mappings.value
    }
  }
}

source "null" "local" {
  communicator = "none"
}

build {
  name    = "base"
  sources = ["source.amazon-ebs.ubuntu", "source.null.local"]

  provisioner "shell-local" {
    only   = ["null.local"]
    inline = ["echo \${source.type}.\${source.name} at \${build.Host}"]
  }

  provisioner "shell-local" {
    except      = ["null.local"]
    inline      = ["echo remote"]
    max_retries = 2
    pause_before = "1s"
    override = {
      ubuntu = { inline = ["echo overridden"] }
    }
  }

  post-processors {
    post-processor "checksum" {
      name           = "sums"
      checksum_types = ["sha256"]
    }
    post-processor "manifest" {}
  }
}
`;

test("a multi-source build plans one BuildSpec per source, named buildname.type.name, with dynamic blocks and a for-expression tag map", async (t) => {
  const dir = workspace(t, { "build.pkr.hcl": MULTI_SOURCE });
  const specs = await plan(dir, "build.pkr.hcl");
  t.deepEqual(specs.map((s) => s.name), ["base.amazon-ebs.ubuntu", "base.null.local"]);
  const ebs = specs[0];
  t.is(ebs.builder.type, "amazon-ebs");
  t.deepEqual(ebs.builder.config.launch_block_device_mappings, [
    { device_name: "/dev/sdb", volume_size: 10 },
    { device_name: "/dev/sdc", volume_size: 20 },
  ]);
  t.deepEqual(ebs.builder.config.tags, { env: "test", owner: "platform" });
  t.is(ebs.builder.config.ami_name, "kiln-ubuntu");
  t.is(ebs.provisioners.length, 1);
  t.deepEqual(ebs.provisioners[0].raw.config.inline, ["echo overridden"]);
  t.is(ebs.provisioners[0].maxRetries, 2);
  t.is(ebs.provisioners[0].pauseBeforeMs, 1000);
  const local = specs[1];
  t.deepEqual(local.provisioners.map((p) => p.raw.config.inline), [["echo null.local at {{ build `Host` }}"]]);
  t.deepEqual(local.postProcessorChains.map((c) => c.map((p) => p.type)), [["checksum", "manifest"]]);
  t.is(local.postProcessorChains[0][0].name, "sums");
  t.true(local.files.includes("build.pkr.hcl"), "the template file travels in a farm bundle");
});

test("-only and -except select builds by their full name with globs, and -except drops a named post-processor with the rest of its chain", async (t) => {
  const dir = workspace(t, { "build.pkr.hcl": MULTI_SOURCE });
  t.deepEqual((await plan(dir, "build.pkr.hcl", { only: ["*.null.*"] })).map((s) => s.name), ["base.null.local"]);
  t.deepEqual((await plan(dir, "build.pkr.hcl", { except: ["base.amazon-ebs.*"] })).map((s) => s.name), ["base.null.local"]);
  const [spec] = await plan(dir, "build.pkr.hcl", { only: ["base.null.local"], except: ["sums"] });
  t.deepEqual(spec.postProcessorChains, []);
});

test("a build's source block renames the source and overrides its arguments", async (t) => {
  const dir = workspace(t, {
    "a.pkr.hcl": `
source "file" "base" {
  content = "base"
  target  = "out.txt"
}
build {
  source "source.file.base" {
    name    = "custom"
    content = "overridden"
  }
  provisioner "shell-local" {
    inline = ["echo \${source.name}"]
  }
}
`,
  });
  const [spec] = await plan(dir, ".");
  t.is(spec.name, "file.custom");
  t.deepEqual(spec.builder.config, { content: "overridden", target: "out.txt" });
  t.deepEqual(spec.provisioners[0].raw.config.inline, ["echo custom"]);
});

test("an unknown argument in a source is reported as HCL's Unsupported argument, naming the file and line", async (t) => {
  const dir = workspace(t, {
    "bad.pkr.hcl": `source "null" "x" {
  communicator = "none"
  colour       = "blue"
}
build {
  sources = ["source.null.x"]
}
`,
  });
  const r = await checkHclTemplate("bad.pkr.hcl", dir, NO_INPUTS);
  t.false(r.ok);
  if (r.ok) return;
  t.regex(r.text, /Error: Unsupported argument/);
  t.regex(r.text, /on bad\.pkr\.hcl line 3:/);
  t.regex(r.text, /An argument named "colour" is not expected here\./);
});

test("an unknown block type at the top level is an Unsupported block type error with its line", async (t) => {
  const dir = workspace(t, { "x.pkr.hcl": `\nbuilder "null" {\n}\n` });
  const r = await checkHclTemplate("x.pkr.hcl", dir, NO_INPUTS);
  t.false(r.ok);
  if (r.ok) return;
  t.regex(r.text, /Error: Unsupported block type/);
  t.regex(r.text, /on x\.pkr\.hcl line 2, in builder "null":\n +2: builder "null" \{/);
  t.regex(r.text, /Did you mean "build"\?/);
});

test("sensitive variables' values are BuildSpec.sensitiveValues (every string inside a collection too)", async (t) => {
  const dir = workspace(t, {
    "s.pkr.hcl": `
variable "password" {
  default   = "hunter2"
  sensitive = true
}
variable "keys" {
  default   = ["k-one", "k-two"]
  sensitive = true
}
source "null" "x" {
  communicator = "none"
}
build {
  sources = ["source.null.x"]
  provisioner "shell-local" {
    inline = ["echo \${var.password}"]
  }
}
`,
  });
  const [spec] = await plan(dir, "s.pkr.hcl");
  t.deepEqual([...spec.sensitiveValues].sort(), ["hunter2", "k-one", "k-two"]);
});

test("locals are evaluated in dependency order whatever their order in the file, and a cycle is an error", async (t) => {
  const dir = workspace(t, {
    "l.pkr.hcl": `
locals {
  c = "\${local.b}-c"
  b = "\${local.a}-b"
  a = "a"
}
source "file" "x" {
  content = local.c
  target  = "out.txt"
}
build {
  sources = ["source.file.x"]
}
`,
  });
  const [spec] = await plan(dir, "l.pkr.hcl");
  t.is(spec.builder.config.content, "a-b-c");
  const cyc = workspace(t, { "c.pkr.hcl": `locals {\n  a = local.b\n  b = local.a\n}\n` });
  const r = await checkHclTemplate("c.pkr.hcl", cyc, NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) t.regex(r.text, /Unsupported attribute[\s\S]*Error: Cycle in local values[\s\S]*local\.a →\s+local\.b → local\.a/);
});

test("failing locals: Packer 1.6.6's retry queue names the local it stops at, with hcl's 'with' lines; locals evaluated before keep their values", async (t) => {
  const text = (locals: string[]): string => `variable "v" {
  default = "abc"
}
${locals.map((l) => `locals {\n  ${l}\n}\n`).join("")}source "null" "a" {
  communicator = "none"
}
build {
  sources = ["source.null.a"]
}
`;
  // Two failing (and one fine): the queue goes round until the 102nd failure, the second local's.
  const two = await checkHclTemplate("l.pkr.hcl", workspace(t, { "l.pkr.hcl": text(['b = "${var.v}-${local.zz}"', "a = var.v + 1", "c = upper(var.v)"]) }), NO_INPUTS);
  t.false(two.ok);
  if (!two.ok) {
    t.is(two.text, 'Error: Invalid operand\n\n  on l.pkr.hcl line 8:\n  (source code not available)\n\nwith var.v as "abc".\n\nUnsuitable value for left operand: a number is required.\n\n\n');
  }
  // Four failing: 101 mod 4 is 1, so the second again, not the last.
  const four = await checkHclTemplate(
    "l.pkr.hcl",
    workspace(t, { "l.pkr.hcl": text(["a = substr(var.v, true, [])", "b = local.nope", "c = -var.v", "d = var.v * 2"]) }),
    NO_INPUTS,
  );
  t.false(four.ok);
  if (!four.ok) t.regex(four.text, /^Error: Unsupported attribute\n\n  on l\.pkr\.hcl line 8:\n  \(source code not available\)\n\nThis object does not have an attribute named "nope"\.\n\n\n$/);
  const dir = workspace(t, { "l.pkr.hcl": text(["a = var.v + 1", "c = upper(var.v)"]) });
  const parsed = await parseHclTemplate("l.pkr.hcl", dir, NO_INPUTS);
  if (!parsed.config) return t.fail();
  await initializeHclTemplate(parsed.config);
  t.deepEqual([...parsed.config.locals.keys()], ["c"]);
});

test("hcl's 'with' lines: the variables the failing part reads, sorted, collections by size, null as 'set to null'", async (t) => {
  const dir = workspace(t, {
    "w.pkr.hcl": `variable "l" {
  default = ["a", "b"]
}
variable "o" {
  default = { k = 1.5 }
}
locals {
  f = var.l[var.o.k]
}
`,
  });
  const r = await checkHclTemplate("w.pkr.hcl", dir, NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) t.regex(r.text, /\n\nwith var\.l as tuple with 2 elements,\n     var\.o\.k as 1\.5\.\n\nThe given key does not identify an element/);
});

test("from initialisation on, validate prints sensitive variables' values as <sensitive> (Packer's UI filter); parse errors are not filtered", async (t) => {
  const text = (local: string): string => `variable "secret" {
  default   = "hunter2"
  sensitive = true
}
variable "n" {
  type    = number
  default = 1
}
locals {
  ${local}
}
`;
  const init = await checkHclTemplate("s.pkr.hcl", workspace(t, { "s.pkr.hcl": text("a = var.secret + 1") }), NO_INPUTS);
  t.false(init.ok);
  if (!init.ok) t.regex(init.text, /with var\.secret as "<sensitive>"\./);
  const parse = await checkHclTemplate("s.pkr.hcl", workspace(t, { "s.pkr.hcl": text("a = 1").replace("default = 1", 'default = "hunter2"') }), NO_INPUTS);
  t.false(parse.ok);
  if (!parse.ok) t.regex(parse.text, /   7:   default = "hunter2"\n/);
});

test("a key rendered later is still parsed when decoded (RenderMap validates every key); shell-local wraps its Decode error as a whole, not each problem", async (t) => {
  const text = (arg: string): string => `source "null" "a" {
  communicator = "none"
}
build {
  sources = ["source.null.a"]
  provisioner "shell-local" {
    inline = ["echo"]
    ${arg}
  }
}
`;
  const bad = await checkHclTemplate("e.pkr.hcl", workspace(t, { "e.pkr.hcl": text('execute_command = ["{{ .Bad x"]') }), NO_INPUTS);
  t.false(bad.ok);
  if (!bad.ok) {
    t.is(
      bad.text,
      'Error: Failed preparing provisioner-block "shell-local" ""\n\n  on e.pkr.hcl line 6:\n  (source code not available)\n\n' +
        'Error decoding config: invalid \'execute_command\': template: root:1: function "x"\nnot defined in:\n\n{{ .Bad x\n\n\n',
    );
  }
});

test("a provisioner or post-processor whose body fails to evaluate fails its HCL2Prepare: 'Failed preparing …-block' per source, post-processors then not started", async (t) => {
  const text = (prov: string, pp: string): string => `source "null" "a" {
  communicator = "none"
}
source "null" "b" {
  communicator = "none"
}
build {
  sources = ["source.null.a", "source.null.b"]
  provisioner "shell-local" {
    inline = ${prov}
  }
  post-processor "manifest" {
    output = ${pp}
  }
}
`;
  const prov = await checkHclTemplate("p.pkr.hcl", workspace(t, { "p.pkr.hcl": text("[var.nope, local.x]", "var.zz") }), NO_INPUTS);
  t.false(prov.ok);
  const wrapped =
    'Error: Failed preparing provisioner-block "shell-local" ""\n\n  on p.pkr.hcl line 9:\n  (source code not available)\n\n' +
    'p.pkr.hcl:10,18-23: Unsupported attribute; This object does not have an\nattribute named "nope"., and 1 other diagnostic(s)\n\n';
  if (!prov.ok) t.is(prov.text, `${wrapped}${wrapped}\n`);
  const pp = await checkHclTemplate("p.pkr.hcl", workspace(t, { "p.pkr.hcl": text('["true"]', "var.zz") }), NO_INPUTS);
  t.false(pp.ok);
  if (!pp.ok) {
    t.regex(pp.text, /^Error: Failed preparing post-processor-block "manifest" ""\n\n  on p\.pkr\.hcl line 12:\n  \(source code not available\)\n\np\.pkr\.hcl:13,17-20: Unsupported attribute; This object does not have an\nattribute named "zz"\.\n\n/);
    t.is(pp.text.match(/Failed preparing/g)?.length, 2);
  }
});

test("an unknown argument is not evaluated (hcldec checks the schema first): its bad value is no error, the argument is", async (t) => {
  const r = await checkHclTemplate("u.pkr.hcl", workspace(t, { "u.pkr.hcl": `source "null" "a" {\n  communicator = "none"\n  foo = var.x\n}\nbuild {\n  sources = ["source.null.a"]\n}\n` }), NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) t.is(r.text, 'Error: Unsupported argument\n\n  on u.pkr.hcl line 3:\n  (source code not available)\n\nAn argument named "foo" is not expected here.\n\n\n');
});

test("a block where the component's HCL2 spec has an argument (a map such as tags) is 'Unsupported block type' with hcl's suggestion, top-level ones first", async (t) => {
  const dir = workspace(t, {
    "b.pkr.hcl": `source "amazon-ebs" "x" {
  source_ami_filter {
    filters {
      name = "ubuntu/*"
    }
    owners = ["099720109477"]
  }
  region        = "us-west-2"
  instance_type = "t3.micro"
  ssh_username  = "ubuntu"
  ami_name      = "x"
  run_tags {
    Name = "builder"
  }
  tags {
    Name = "image"
  }
}
build {
  sources = ["source.amazon-ebs.x"]
}
`,
  });
  const r = await checkHclTemplate("b.pkr.hcl", dir, NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) {
    t.is(
      r.text,
      [
        ["12", 'Blocks of type "run_tags" are not expected here. Did you mean "run_tag"?'],
        ["15", 'Blocks of type "tags" are not expected here. Did you mean "tag"?'],
        ["3", 'Blocks of type "filters" are not expected here. Did you mean "filter"?'],
      ]
        .map(([line, detail]) => `Error: Unsupported block type\n\n  on b.pkr.hcl line ${line}:\n  (source code not available)\n\n${detail}\n\n`)
        .join("") + "\n",
    );
  }
});

test("a .pkr.json template plans like its .pkr.hcl twin", async (t) => {
  const dir = workspace(t, {
    "j.pkr.json": JSON.stringify({
      variable: { who: { default: "json" } },
      source: { file: { x: { content: "hello ${var.who}", target: "out.txt" } } },
      build: { sources: ["source.file.x"], provisioner: [{ "shell-local": { inline: ["echo ${source.name}"] } }] },
    }),
  });
  const [spec] = await plan(dir, "j.pkr.json");
  t.is(spec.name, "file.x");
  t.deepEqual(spec.builder.config, { content: "hello json", target: "out.txt" });
  t.deepEqual(spec.provisioners[0].raw.config.inline, ["echo x"]);
});

test("local blocks with sensitive = true, a variables block, and packer.required_version", async (t) => {
  const dir = workspace(t, {
    "p.pkr.hcl": `
packer {
  required_version = ">= 1.5.0, < 2.0.0"
}
variables {
  prefix = "kiln"
}
local "token" {
  expression = "\${var.prefix}-secret-token"
  sensitive  = true
}
source "file" "x" {
  content = local.token
  target  = "out.txt"
}
build {
  sources = ["source.file.x"]
}
`,
  });
  const [spec] = await plan(dir, "p.pkr.hcl");
  t.is(spec.builder.config.content, "kiln-secret-token");
  t.deepEqual(spec.sensitiveValues, ["kiln-secret-token"]);
  const old = workspace(t, { "o.pkr.hcl": `packer {\n  required_version = ">= 9.0"\n}\n` });
  const r = await checkHclTemplate("o.pkr.hcl", old, NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) t.regex(r.text, /Error: Unsupported Packer Core version[\s\S]*on o\.pkr\.hcl line 2/);
});

test("build.* passed through a function is planned with a note saying the function sees a placeholder", async (t) => {
  const dir = workspace(t, {
    "b.pkr.hcl": `
source "null" "n" {
  communicator = "none"
}
build {
  sources = ["source.null.n"]
  provisioner "shell-local" {
    inline = ["echo \${build.ID}", "echo \${upper(build.ID)}"]
  }
}
`,
  });
  const r = await checkHclTemplate("b.pkr.hcl", dir, NO_INPUTS);
  t.true(r.ok);
  if (!r.ok) return;
  t.deepEqual(r.specs[0].provisioners[0].raw.config.inline, ["echo {{ build `ID` }}", "echo {{ build `ID` }}"]);
  t.regex(r.notes, /Warning: Build data passed to a function[\s\S]*on b\.pkr\.hcl line 8[\s\S]*upper\(\) here sees a placeholder/);
  t.is(r.warnings, "");
});

test("required_plugins: plugins whose components Kiln has built in are accepted, others named in a warning", async (t) => {
  const dir = workspace(t, {
    "r.pkr.hcl": `
packer {
  required_plugins {
    docker = {
      version = ">= 0.0.7"
      source  = "github.com/hashicorp/docker"
    }
    vsphere = {
      version = ">= 1.0.0"
      source  = "github.com/hashicorp/vsphere"
    }
  }
}
source "null" "x" {
  communicator = "none"
}
build {
  sources = ["source.null.x"]
}
`,
  });
  const r = await checkHclTemplate("r.pkr.hcl", dir, NO_INPUTS);
  t.true(r.ok, r.ok ? "" : r.text);
  if (!r.ok) return;
  t.regex(r.warnings, /Warning: Plugin not available in Kiln[\s\S]*on r\.pkr\.hcl line 8[\s\S]*"vsphere" plugin/);
  t.notRegex(r.warnings, /"docker" plugin/);
});

test("an unknown argument is located on its own attribute, even when a valid one of the same name comes first", async (t) => {
  const dir = workspace(t, {
    "p.pkr.hcl": `source "file" "x" {
  content = "x"
  target  = "out.txt"
}
build {
  sources = ["source.file.x"]
  provisioner "shell-local" {
    inline = ["true"]
    target = "oops"
  }
}
`,
  });
  const r = await checkHclTemplate("p.pkr.hcl", dir, NO_INPUTS);
  t.false(r.ok);
  // Packer 1.6.6 wraps a provisioner's decoding errors, naming the first by its range (checked against packer validate).
  if (!r.ok) t.regex(r.text, /Error: Failed preparing provisioner-block "shell-local" ""\n\n {2}on p\.pkr\.hcl line 7:[\s\S]*p\.pkr\.hcl:9,5-11: Unsupported argument; An argument named "target" is not\nexpected here\./);
});

test("every unknown argument of a source is reported; a provisioner's are counted in Packer's wrapper", async (t) => {
  const dir = workspace(t, {
    "u.pkr.hcl": `source "null" "x" {
  communicator = "none"
  foo          = 1
  bar          = 2
}
source "null" "y" {
  communicator = "none"
}
build {
  sources = ["source.null.x"]
}
build {
  name    = "p"
  sources = ["source.null.y"]
  provisioner "shell-local" {
    inline = ["true"]
    baz    = 1
    qux    = 2
  }
}
`,
  });
  const r = await checkHclTemplate("u.pkr.hcl", dir, NO_INPUTS);
  t.false(r.ok);
  if (r.ok) return;
  t.regex(r.text, /on u\.pkr\.hcl line 3:[\s\S]*An argument named "foo" is not expected here\.[\s\S]*on u\.pkr\.hcl line 4:[\s\S]*An argument named "bar" is not expected here\./);
  t.regex(r.text, /u\.pkr\.hcl:17,5-8: Unsupported argument; An argument named "baz" is not expected\nhere\., and 1 other diagnostic\(s\)/);
});

test("an unknown argument set to null is still unsupported (HCL decodes against the schema), a known one set to null is unset", async (t) => {
  const files = (extra: string): Record<string, string> => ({
    "n.pkr.hcl": `source "null" "x" {
  communicator = "none"
  ${extra}
}
build {
  sources = ["source.null.x"]
  provisioner "shell-local" {
    inline      = ["true"]
    environment_vars = null
  }
}
`,
  });
  const r = await checkHclTemplate("n.pkr.hcl", workspace(t, files("foo = null")), NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) t.is(r.text, 'Error: Unsupported argument\n\n  on n.pkr.hcl line 3:\n  (source code not available)\n\nAn argument named "foo" is not expected here.\n\n\n');
  t.true((await checkHclTemplate("n.pkr.hcl", workspace(t, files("ssh_host = null")), NO_INPUTS)).ok);
});

test("error-cleanup-provisioner and provisioner timeout are planned; a bad duration names its attribute", async (t) => {
  const dir = workspace(t, {
    "e.pkr.hcl": `source "null" "x" {
  communicator = "none"
}
build {
  sources = ["source.null.x"]
  provisioner "shell-local" {
    inline  = ["true"]
    timeout = "1m30s"
  }
  error-cleanup-provisioner "shell-local" {
    inline = ["echo cleaning"]
  }
}
`,
    "bad.pkr.hcl": `source "null" "x" {
  communicator = "none"
}
build {
  sources = ["source.null.x"]
  provisioner "shell-local" {
    inline       = ["true"]
    pause_before = "soon"
  }
}
`,
  });
  const [spec] = await plan(dir, "e.pkr.hcl");
  t.is(spec.provisioners[0].timeoutMs, 90_000);
  t.deepEqual(spec.errorCleanupProvisioner?.raw.config.inline, ["echo cleaning"]);
  const r = await checkHclTemplate("bad.pkr.hcl", dir, NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) t.regex(r.text, /Error: Failed to parse pause_before duration\n\n {2}on bad\.pkr\.hcl line 8/);
});

test("dynamic provisioner blocks in a build expand to one provisioner per element, in order", async (t) => {
  const dir = workspace(t, {
    "d.pkr.hcl": `
variable "steps" {
  default = ["update", "install", "clean"]
}
source "null" "x" {
  communicator = "none"
}
build {
  sources = ["source.null.x"]
  provisioner "shell-local" {
    inline = ["echo first"]
  }
  dynamic "provisioner" {
    for_each = var.steps
    iterator = step
    labels   = ["shell-local"]
    content {
      inline = ["echo \${step.key}:\${step.value} on \${source.name}"]
    }
  }
}
`,
  });
  const [spec] = await plan(dir, "d.pkr.hcl");
  t.deepEqual(spec.provisioners.map((p) => p.raw.config.inline), [
    ["echo first"],
    ["echo 0:update on x"],
    ["echo 1:install on x"],
    ["echo 2:clean on x"],
  ]);
});

test("an unknown source or provisioner type lists every type a template may name: Packer 1.6.6's and Kiln's own", async (t) => {
  const dir = workspace(t, { "n.pkr.hcl": `source "nope" "x" {}\nbuild { sources = ["source.nope.x"] }\n` });
  const r = await checkHclTemplate("n.pkr.hcl", dir, NO_INPUTS);
  t.false(r.ok);
  if (r.ok) return;
  t.regex(r.text, /Error: Unknown source type nope/);
  const listed = (/known builders: \[([^\]]*)\]/.exec(r.text.replace(/\n/g, " "))?.[1] ?? "").split(/\s+/);
  for (const type of ["vsphere-iso", "azure-arm", "qemu", "null", "libvirt"]) t.true(listed.includes(type), `${type} listed`);
});

test("an unknown source in a build names the build's file and line and the sources there are (Packer 1.6.6 prints 'on  line 0:' and a Go map with pointers: Kiln keeps the place, on purpose)", async (t) => {
  const r = await checkHclTemplate(
    "b.pkr.hcl",
    workspace(t, { "b.pkr.hcl": `source "null" "b" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.zz"]\n}\n` }),
    NO_INPUTS,
  );
  t.false(r.ok);
  if (!r.ok) {
    t.regex(r.text, /Error: Unknown source null\.zz\n\n  on b\.pkr\.hcl line 4:/);
    t.regex(r.text, /Known: \[null\.b\]/);
  }
});

// Component arguments are converted to the cty types of Packer's HCL2 specs; every expected text
// below is what `packer validate` 1.6.6 printed for the same file.
const SHELL_WITH = (lines: string): string => `source "null" "x" {
  communicator = "none"
}

build {
  sources = ["source.null.x"]

  provisioner "shell" {
    inline = ["echo hi"]
${lines}
  }
}
`;

const failedShell = (file: string, diagnostic: string): string =>
  `Error: Failed preparing provisioner-block "shell" ""\n\n  on ${file} line 8:\n  (source code not available)\n\n${diagnostic}\n\n\n`;

test("a provisioner argument cty cannot convert to its spec's type is hcldec's 'Incorrect attribute value type', inside Packer's wrapper", async (t) => {
  const cases: [string, string][] = [
    ['    valid_exit_codes = ["x"]', 'p.pkr.hcl:10,24-29: Incorrect attribute value type; Inappropriate value for\nattribute "valid_exit_codes": a number is required.'],
    ['    valid_exit_codes = "12"', 'p.pkr.hcl:10,24-28: Incorrect attribute value type; Inappropriate value for\nattribute "valid_exit_codes": list of number required.'],
    ['    valid_exit_codes = [1, "x", true]', 'p.pkr.hcl:10,24-38: Incorrect attribute value type; Inappropriate value for\nattribute "valid_exit_codes": element 2: number required.'],
    ['    environment_vars = "A=B"', 'p.pkr.hcl:10,24-29: Incorrect attribute value type; Inappropriate value for\nattribute "environment_vars": list of string required.'],
    ["    environment_vars = [{a = 1}]", 'p.pkr.hcl:10,24-33: Incorrect attribute value type; Inappropriate value for\nattribute "environment_vars": element 0: string required.'],
    ['    execute_command = {a = "b"}', 'p.pkr.hcl:10,23-32: Incorrect attribute value type; Inappropriate value for\nattribute "execute_command": string required.'],
    ['    expect_disconnect = "yes"', 'p.pkr.hcl:10,25-30: Incorrect attribute value type; Inappropriate value for\nattribute "expect_disconnect": a bool is required.'],
    // true becomes "true" for a string; 1 has no conversion to bool.
    ["    start_retry_timeout = true\n    expect_disconnect = 1", 'p.pkr.hcl:11,25-26: Incorrect attribute value type; Inappropriate value for\nattribute "expect_disconnect": bool required.'],
    ['    valid_exit_codes = ["x"]\n    expect_disconnect = "yes"', 'p.pkr.hcl:10,24-29: Incorrect attribute value type; Inappropriate value for\nattribute "valid_exit_codes": a number is required., and 1 other diagnostic(s)'],
    // hcl checks the body against the spec first: the unknown argument comes first.
    ['    valid_exit_codes = ["x"]\n    bogus = 1', 'p.pkr.hcl:11,5-10: Unsupported argument; An argument named "bogus" is not\nexpected here., and 1 other diagnostic(s)'],
  ];
  for (const [lines, diagnostic] of cases) {
    const r = await checkHclTemplate("p.pkr.hcl", workspace(t, { "p.pkr.hcl": SHELL_WITH(lines) }), NO_INPUTS);
    t.false(r.ok, lines);
    if (!r.ok) t.is(r.text, failedShell("p.pkr.hcl", diagnostic), lines);
  }
});

test("a source's arguments of the wrong type are hcldec's diagnostics on their lines; a post-processor's are wrapped", async (t) => {
  const source = await checkHclTemplate("s.pkr.hcl", workspace(t, {
    "s.pkr.hcl": `source "docker" "x" {
  image  = "ubuntu"
  commit = "yes"
  changes = "CMD x"
  run_command = ["-d", 5]
}

build {
  sources = ["source.docker.x"]
}
`,
  }), NO_INPUTS);
  t.false(source.ok);
  // Packer decodes a spec's keys in Go's map order (either of these two first); Kiln keeps the file's order.
  if (!source.ok) {
    t.is(
      source.text,
      'Error: Incorrect attribute value type\n\n  on s.pkr.hcl line 3:\n  (source code not available)\n\nInappropriate value for attribute "commit": a bool is required.\n\n' +
        'Error: Incorrect attribute value type\n\n  on s.pkr.hcl line 4:\n  (source code not available)\n\nInappropriate value for attribute "changes": list of string required.\n\n\n',
    );
  }
  const pp = await checkHclTemplate("q.pkr.hcl", workspace(t, {
    "q.pkr.hcl": `source "null" "x" {
  communicator = "none"
}

build {
  sources = ["source.null.x"]

  post-processor "manifest" {
    output     = 5
    strip_path = "true"
    custom_data = { a = 1, b = true }
  }
  post-processor "checksum" {
    checksum_types = "md5"
  }
}
`,
  }), NO_INPUTS);
  t.false(pp.ok);
  if (!pp.ok) {
    t.is(
      pp.text,
      'Error: Failed preparing post-processor-block "checksum" ""\n\n  on q.pkr.hcl line 13:\n  (source code not available)\n\n' +
        'q.pkr.hcl:14,22-27: Incorrect attribute value type; Inappropriate value for\nattribute "checksum_types": list of string required.\n\n\n',
    );
  }
});

test("converted values reach the component: 5 is \"5\" for a string, \"12\" is 12 for a number, \"true\" is true for a bool, an object a map of strings", async (t) => {
  const dir = workspace(t, {
    "c.pkr.hcl": `source "docker" "x" {
  image       = "ubuntu"
  commit      = "true"
  run_command = ["-d", 5, true]
  changes     = null
}

build {
  sources = ["source.docker.x"]

  provisioner "shell" {
    inline              = ["echo hi"]
    valid_exit_codes    = ["12", 0]
    remote_folder       = 30
    expect_disconnect   = null
  }
  post-processor "manifest" {
    custom_data = { a = 1, b = true }
  }
}
`,
  });
  const [spec] = await plan(dir, "c.pkr.hcl");
  t.deepEqual(spec!.builder.config, { image: "ubuntu", commit: true, run_command: ["-d", "5", "true"], changes: null });
  t.deepEqual(spec!.provisioners[0]!.raw.config, { inline: ["echo hi"], valid_exit_codes: [12, 0], remote_folder: "30", expect_disconnect: null });
  t.deepEqual(spec!.postProcessorChains[0]![0]!.raw.config, { custom_data: { a: "1", b: "true" } });
});

test("a nested block given as an argument (even null) is 'Unsupported argument' with hcl's block hint; a nested block's arguments are converted too", async (t) => {
  const qemu = (lines: string): string => `source "qemu" "x" {
  iso_url      = "http://x/y.iso"
  iso_checksum = "none"
  ssh_username = "u"
${lines}
}

build {
  sources = ["source.qemu.x"]
}
`;
  const attr = await checkHclTemplate("a.pkr.hcl", workspace(t, { "a.pkr.hcl": qemu('  qemu_img_args = null\n  cpus = "two"') }), NO_INPUTS);
  t.false(attr.ok);
  if (!attr.ok) {
    t.is(
      attr.text,
      'Error: Unsupported argument\n\n  on a.pkr.hcl line 5:\n  (source code not available)\n\nAn argument named "qemu_img_args" is not expected here. Did you mean to define a\nblock of type "qemu_img_args"?\n\n' +
        'Error: Incorrect attribute value type\n\n  on a.pkr.hcl line 6:\n  (source code not available)\n\nInappropriate value for attribute "cpus": a number is required.\n\n\n',
    );
  }
  const nested = await checkHclTemplate("b.pkr.hcl", workspace(t, { "b.pkr.hcl": qemu('  qemu_img_args {\n    convert = "a"\n    create  = [1]\n  }\n  qemuargs {\n    x = 1\n  }') }), NO_INPUTS);
  t.false(nested.ok);
  if (!nested.ok) {
    t.is(
      nested.text,
      'Error: Unsupported block type\n\n  on b.pkr.hcl line 9:\n  (source code not available)\n\nBlocks of type "qemuargs" are not expected here. Did you mean to define argument\n"qemuargs"? If so, use the equals sign to assign it a value.\n\n' +
        'Error: Incorrect attribute value type\n\n  on b.pkr.hcl line 6:\n  (source code not available)\n\nInappropriate value for attribute "convert": list of string required.\n\n\n',
    );
  }
});

test("an unknown argument gets hcl's hint: the nearest argument of the spec the body does not already set; in JSON syntax hcl/json's words", async (t) => {
  const prov = await checkHclTemplate("q.pkr.hcl", workspace(t, { "q.pkr.hcl": SHELL_WITH("    inlin = [\"echo hi\"]").replace('    inline = ["echo hi"]\n', "") }), NO_INPUTS);
  t.false(prov.ok);
  if (!prov.ok) t.is(prov.text, failedShell("q.pkr.hcl", 'q.pkr.hcl:9,5-10: Unsupported argument; An argument named "inlin" is not\nexpected here. Did you mean "inline"?'));
  // "content" is set already: hcl suggests only arguments the body does not set.
  const set = await checkHclTemplate("f.pkr.hcl", workspace(t, {
    "f.pkr.hcl": `source "file" "out" {\n  target   = "out.txt"\n  content  = "x"\n  contents = "typo"\n}\n\nbuild {\n  sources = ["source.file.out"]\n}\n`,
  }), NO_INPUTS);
  t.false(set.ok);
  if (!set.ok) t.is(set.text, 'Error: Unsupported argument\n\n  on f.pkr.hcl line 4:\n  (source code not available)\n\nAn argument named "contents" is not expected here.\n\n\n');
  const json = await checkHclTemplate("j.pkr.json", workspace(t, {
    "j.pkr.json": JSON.stringify({ source: { docker: { x: { image: "ubuntu", commit: true, bogus: 1 } } }, build: { sources: ["source.docker.x"] } }, null, 2),
  }), NO_INPUTS);
  t.false(json.ok);
  if (!json.ok) t.is(json.text, 'Error: Extraneous JSON object property\n\n  on j.pkr.json line 7:\n  (source code not available)\n\nNo argument or block type is named "bogus".\n\n\n');
});

// Not Packer's: 1.6.6 refuses these keys (added in later versions); Kiln's components take them, in HCL2 as in JSON.
test("keys Kiln's components accept beyond Packer 1.6.6's spec (docker platform, shell env) are left to them", async (t) => {
  const dir = workspace(t, {
    "ext.pkr.hcl": `source "docker" "x" {
  image    = "ubuntu"
  commit   = true
  platform = "linux/amd64"
}

build {
  sources = ["source.docker.x"]
  provisioner "shell" {
    inline = ["echo hi"]
    env    = { A = 1 }
  }
}
`,
  });
  const [spec] = await plan(dir, "ext.pkr.hcl");
  t.is(spec!.builder.config.platform, "linux/amd64");
  t.deepEqual(spec!.provisioners[0]!.raw.config.env, { A: 1 });
});

test("a dynamic block's generated blocks are checked against the nested spec too", async (t) => {
  const r = await checkHclTemplate("d.pkr.hcl", workspace(t, {
    "d.pkr.hcl": `source "amazon-ebs" "x" {
  region        = "us-west-2"
  instance_type = "t3.micro"
  ssh_username  = "ubuntu"
  ami_name      = "x"
  source_ami    = "ami-1"
  dynamic "launch_block_device_mappings" {
    for_each = ["/dev/sdb"]
    content {
      device_name = launch_block_device_mappings.value
      volume_size = "big"
    }
  }
}

build {
  sources = ["source.amazon-ebs.x"]
}
`,
  }), NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) t.is(r.text, 'Error: Incorrect attribute value type\n\n  on d.pkr.hcl line 11:\n  (source code not available)\n\nInappropriate value for attribute "volume_size": a number is required.\n\n\n');
});

test("a .pkr.json component body is read against the spec as hcl/json reads it: extraneous properties, blocks as objects or arrays, converted arguments", async (t) => {
  const json = (source: Record<string, unknown>): string =>
    JSON.stringify({ source: { "amazon-ebs": { x: { region: "us-west-2", instance_type: "t3.micro", ssh_username: "ubuntu", ami_name: "x", source_ami: "ami-1", ...source } } }, build: { sources: ["source.amazon-ebs.x"] } }, null, 2);
  const blocks = await checkHclTemplate("j.pkr.json", workspace(t, {
    "j.pkr.json": json({ source_ami_filter: "x", launch_block_device_mappings: { device_name: "/dev/sdb", bogus: 1 } }),
  }), NO_INPUTS);
  t.false(blocks.ok);
  if (!blocks.ok) {
    t.is(
      blocks.text,
      'Error: Incorrect JSON value type\n\n  on j.pkr.json line 10:\n  (source code not available)\n\nEither a JSON object or a JSON array is required, representing the contents of\none or more "source_ami_filter" blocks.\n\n' +
        'Error: Extraneous JSON object property\n\n  on j.pkr.json line 13:\n  (source code not available)\n\nNo argument or block type is named "bogus".\n\n\n',
    );
  }
  const values = await checkHclTemplate("v.pkr.json", workspace(t, {
    "v.pkr.json": json({ associate_public_ip_address: "yes", launch_block_device_mappings: [{ device_name: "/dev/sdb", volume_size: "12" }] }),
  }), NO_INPUTS);
  t.false(values.ok);
  if (!values.ok) t.is(values.text, 'Error: Incorrect attribute value type\n\n  on v.pkr.json line 10:\n  (source code not available)\n\nInappropriate value for attribute "associate_public_ip_address": a bool is\nrequired.\n\n\n');
});

test("a nested struct written as two blocks is hcldec's 'Duplicate … block', naming the first", async (t) => {
  const r = await checkHclTemplate("dup.pkr.hcl", workspace(t, {
    "dup.pkr.hcl": `source "qemu" "x" {
  iso_url      = "http://x/y.iso"
  iso_checksum = "none"
  ssh_username = "u"
  qemu_img_args {
    convert = ["a"]
  }
  qemu_img_args {
    create = ["b"]
  }
}

build {
  sources = ["source.qemu.x"]
}
`,
  }), NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) {
    t.is(
      r.text,
      'Error: Duplicate qemu_img_args block\n\n  on dup.pkr.hcl line 8:\n  (source code not available)\n\nOnly one block of type "qemu_img_args" is allowed. Previous definition was at\ndup.pkr.hcl:5,3-16.\n\n\n',
    );
  }
});

test("an unknown argument inside a nested block is named as hcl names it, with its hint, on its own line", async (t) => {
  const r = await checkHclTemplate("n.pkr.hcl", workspace(t, {
    "n.pkr.hcl": `source "amazon-ebs" "x" {
  region        = "us-west-2"
  instance_type = "t3.micro"
  ssh_username  = "ubuntu"
  ami_name      = "x"
  source_ami    = "ami-1"
  launch_block_device_mappings {
    device_name = "/dev/sdb"
    volume_siz  = 12
  }
}

build {
  sources = ["source.amazon-ebs.x"]
}
`,
  }), NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) t.is(r.text, 'Error: Unsupported argument\n\n  on n.pkr.hcl line 9:\n  (source code not available)\n\nAn argument named "volume_siz" is not expected here. Did you mean "volume_size"?\n\n\n');
});

/** What `packer validate` 1.6.6 printed for one diagnostic (its UI has no source code to show). */
const packerError = (summary: string, file: string, line: number, detail: string): string =>
  `Error: ${summary}\n\n  on ${file} line ${line}:\n  (source code not available)\n\n${detail}\n\n`;

test("a source's unknown argument is found when its body is decoded, before the build's provisioners are evaluated, which then are not (Packer 1.6.6's startBuilder)", async (t) => {
  const r = await checkHclTemplate("a.pkr.hcl", workspace(t, {
    "a.pkr.hcl": `source "null" "a" {\n  communicator = "none"\n  bogus        = 1\n}\nbuild {\n  sources = ["source.null.a"]\n  provisioner "shell-local" {\n    inline = [var.nope]\n  }\n  post-processor "manifest" {\n    output = local.nope\n  }\n}\n`,
  }), NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) t.is(r.text, `${packerError("Unsupported argument", "a.pkr.hcl", 3, 'An argument named "bogus" is not expected here.')}\n`);
});

test("a source's unknown arguments come first, then its unsupported blocks, then what its other arguments fail to evaluate (hcldec's Content, then its values)", async (t) => {
  const r = await checkHclTemplate("f.pkr.hcl", workspace(t, {
    "f.pkr.hcl": `source "null" "a" {\n  communicator = "none"\n  bogus        = 1\n  ssh_usernam  = "x"\n  ssh_host     = var.nope\n  foo {\n  }\n}\nbuild {\n  sources = ["source.null.a"]\n}\n`,
  }), NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) {
    t.is(r.text, [
      packerError("Unsupported argument", "f.pkr.hcl", 3, 'An argument named "bogus" is not expected here.'),
      packerError("Unsupported argument", "f.pkr.hcl", 4, 'An argument named "ssh_usernam" is not expected here. Did you mean\n"ssh_username"?'),
      packerError("Unsupported block type", "f.pkr.hcl", 6, 'Blocks of type "foo" are not expected here.'),
      packerError("Unsupported attribute", "f.pkr.hcl", 5, 'This object does not have an attribute named "nope".'),
    ].join("") + "\n");
  }
});

test("with a build whose source fails to decode, the other builds are still prepared and reported in the build's order (GetBuilds goes on)", async (t) => {
  const files = {
    "d.pkr.hcl": `source "null" "a" {\n  communicator = "ssh"\n}\nsource "null" "b" {\n  communicator = "none"\n  bogus        = 1\n}\nbuild {\n  sources = ["source.null.a", "source.null.b"]\n}\n`,
    "c.pkr.hcl": `source "null" "a" {\n  communicator = "none"\n}\nsource "null" "b" {\n  communicator = "none"\n  bogus        = 1\n}\nbuild {\n  sources = ["source.null.a", "source.null.b"]\n  provisioner "shell-local" {\n    inline = [var.nope]\n  }\n}\n`,
  };
  const dir = workspace(t, files);
  const d = await checkHclTemplate("d.pkr.hcl", dir, NO_INPUTS);
  t.false(d.ok);
  if (!d.ok) {
    t.true(d.text.startsWith("Error: 4 error(s) occurred:\n\n* An ssh_username must be specified\n"), d.text);
    t.true(d.text.endsWith(`  on d.pkr.hcl line 1:\n  (source code not available)\n\n${packerError("Unsupported argument", "d.pkr.hcl", 6, 'An argument named "bogus" is not expected here.')}\n`), d.text);
  }
  const c = await checkHclTemplate("c.pkr.hcl", dir, NO_INPUTS);
  t.false(c.ok);
  if (!c.ok) {
    t.is(c.text, [
      packerError('Failed preparing provisioner-block "shell-local" ""', "c.pkr.hcl", 10, 'c.pkr.hcl:11,18-23: Unsupported attribute; This object does not have an\nattribute named "nope".'),
      packerError("Unsupported argument", "c.pkr.hcl", 6, 'An argument named "bogus" is not expected here.'),
    ].join("") + "\n");
  }
});

test("a provisioner's unknown argument is decoded with its other arguments: Packer's wrapper names it first and counts the rest", async (t) => {
  const r = await checkHclTemplate("g.pkr.hcl", workspace(t, {
    "g.pkr.hcl": `source "null" "a" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.a"]\n  provisioner "shell-local" {\n    inline = ["a"]\n    bogus = 1\n    environment_vars = [var.nope]\n  }\n}\n`,
  }), NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) t.is(r.text, `${packerError('Failed preparing provisioner-block "shell-local" ""', "g.pkr.hcl", 6, 'g.pkr.hcl:8,5-10: Unsupported argument; An argument named "bogus" is not\nexpected here., and 1 other diagnostic(s)')}\n`);
});

test("a dynamic source block in a build expands to one build per element, its iterator seen by name and overrides (1.6.6 runs hcl's dynblock over the whole file)", async (t) => {
  const dir = workspace(t, {
    "s.pkr.hcl": `
variable "slugs" {
  default = ["one", "two"]
}
source "file" "base" {
  content = "x"
  target  = "base.txt"
}
build {
  dynamic "source" {
    labels   = ["source.file.base"]
    for_each = var.slugs
    content {
      name   = source.value
      target = "\${source.value}.txt"
    }
  }
}
`,
  });
  const specs = await plan(dir, "s.pkr.hcl");
  t.deepEqual(specs.map((s) => s.name), ["file.one", "file.two"]);
  t.deepEqual(specs.map((s) => s.builder.config.target), ["one.txt", "two.txt"]);
});

test("a dynamic block of a type a build does not have is Packer's 'Unsupported block type' at its label", async (t) => {
  const dir = workspace(t, {
    "h.pkr.hcl": `source "null" "a" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.a"]\n  dynamic "hcp_packer_registry" {\n    for_each = []\n    content {}\n  }\n}\n`,
  });
  const r = await checkHclTemplate("h.pkr.hcl", dir, NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) t.is(r.text, `Error: Unsupported block type\n\n  on h.pkr.hcl line 6:\n  (source code not available)\n\nBlocks of type "hcp_packer_registry" are not expected here.\n\n\n`);
});

test("build, provisioner and post-processor meta-arguments fail as gohcl's DecodeExpression does: 'Unsuitable value type' after a reference where none is allowed, for a wrong type and for null", async (t) => {
  const dir = workspace(t, {
    "u.pkr.hcl": `locals {
  s = ["source.null.a"]
}
source "null" "a" {
  communicator = "none"
}
build {
  sources = local.s
}
build {
  sources = ["source.null.a"]
  provisioner "shell-local" {
    max_retries = "abc"
    inline      = ["true"]
  }
  provisioner "shell-local" {
    name   = null
    inline = ["true"]
  }
  post-processor "manifest" {
    except = [local.s[0]]
  }
}
`,
  });
  const r = await checkHclTemplate("u.pkr.hcl", dir, NO_INPUTS);
  t.false(r.ok);
  if (r.ok) return;
  const err = (line: number, summary: string, detail: string): string => `Error: ${summary}\n\n  on u.pkr.hcl line ${line}:\n  (source code not available)\n\n${detail}\n\n`;
  t.is(
    r.text,
    err(8, "Variables not allowed", "Variables may not be used here.") +
      err(8, "Unsuitable value type", "Unsuitable value: value must be known") +
      err(13, "Unsuitable value type", "Unsuitable value: a number is required") +
      err(17, "Unsuitable value type", "Unsuitable value: null value is not allowed") +
      err(21, "Variables not allowed", "Variables may not be used here.") +
      err(21, "Unsuitable value type", "Unsuitable value: value must be known") +
      "\n",
  );
});

test("a source whose expressions fail still reports its unknown arguments first, as hcldec does", async (t) => {
  const dir = workspace(t, {
    "a.pkr.hcl": `source "null" "a" {\n  communicator = "none"\n  ssh_hots     = "x"\n  ssh_host     = var.nope\n}\nbuild {\n  sources = ["source.null.a"]\n}\n`,
  });
  const r = await checkHclTemplate("a.pkr.hcl", dir, NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) {
    t.is(
      r.text,
      `Error: Unsupported argument\n\n  on a.pkr.hcl line 3:\n  (source code not available)\n\nAn argument named "ssh_hots" is not expected here.\n\n` +
        `Error: Unsupported attribute\n\n  on a.pkr.hcl line 4:\n  (source code not available)\n\nThis object does not have an attribute named "nope".\n\n\n`,
    );
  }
});

test("an extraneous property of a .pkr.json shows its name's line only (hcl json's attribute Range() is the name), as packer 1.6.6 prints it", async (t) => {
  const dir = workspace(t, { "multiline.pkr.json": `{\n  "builders": [{\n    "type": "null"\n  }]\n}\n` });
  const r = await checkHclTemplate("multiline.pkr.json", dir, NO_INPUTS);
  t.false(r.ok);
  const once = `Error: Extraneous JSON object property\n\n  on multiline.pkr.json line 2:\n   2:   "builders": [{\n\nNo argument or block type is named "builders".\n\n`;
  if (!r.ok) t.is(r.text, `${once}${once}\n`);
});
