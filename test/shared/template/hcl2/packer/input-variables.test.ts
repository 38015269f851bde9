import test from "ava";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkHclTemplate, type HclCheckOptions } from "../../../../../shared/template/hcl2/packer/index.js";
import { tempDirSync } from "../../../../fixtures/temp-dir.js";

function workspace(t: { teardown: (f: () => void) => void }, files: Record<string, string>): string {
  const dir = tempDirSync("kiln-hcl-vars-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const NO_INPUTS: HclCheckOptions = { vars: [], varFiles: [], env: {}, only: [], except: [] };

/** A template whose file builder writes var.v: the planned content shows which value won. */
const ECHO_V = `
variable "v" {
  type    = string
  default = "from-default"
}
source "file" "x" {
  content = var.v
  target  = "out.txt"
}
build {
  sources = ["source.file.x"]
}
`;

async function content(dir: string, target: string, opts: Partial<HclCheckOptions>): Promise<unknown> {
  const r = await checkHclTemplate(target, dir, { ...NO_INPUTS, ...opts });
  if (!r.ok) throw new Error(r.text);
  return r.specs[0].builder.config.content;
}

test("values follow Packer's precedence: default < PKR_VAR_ < auto var files < -var-file (in order) < -var (last wins)", async (t) => {
  const dir = workspace(t, {
    "tpl/main.pkr.hcl": ECHO_V,
    "tpl/a.auto.pkrvars.hcl": `v = "from-auto"\n`,
    "one.pkrvars.hcl": `v = "from-file-one"\n`,
    "two.pkrvars.json": `{"v": "from-file-two"}\n`,
  });
  const env = { PKR_VAR_v: "from-env" };
  t.is(await content(dir, "tpl/main.pkr.hcl", {}), "from-default", "a file target does not read the folder's auto files");
  t.is(await content(dir, "tpl/main.pkr.hcl", { env }), "from-env");
  t.is(await content(dir, "tpl", { env }), "from-auto", "a folder target auto-loads *.auto.pkrvars.hcl over the environment");
  t.is(await content(dir, "tpl", { env, varFiles: ["one.pkrvars.hcl"] }), "from-file-one");
  t.is(await content(dir, "tpl", { env, varFiles: ["two.pkrvars.json", "one.pkrvars.hcl"] }), "from-file-two", "HCL var files are read before JSON ones, as Packer does");
  t.is(await content(dir, "tpl", { env, varFiles: ["one.pkrvars.hcl"], vars: [["v", "cli-1"], ["v", "cli-2"]] }), "cli-2");
});

test("a failing validation block reports the author's message and where the bad value came from", async (t) => {
  const dir = workspace(t, {
    "v.pkr.hcl": `
variable "image_id" {
  type = string
  validation {
    condition     = length(var.image_id) > 4 && substr(var.image_id, 0, 4) == "ami-"
    error_message = "The image_id value must be a valid AMI id, starting with \\"ami-\\"."
  }
}
`,
  });
  const r = await checkHclTemplate("v.pkr.hcl", dir, { ...NO_INPUTS, vars: [["image_id", "bogus"]] });
  t.false(r.ok);
  if (r.ok) return;
  t.regex(r.text, /Error: Invalid value for cmd variable/);
  t.regex(r.text, /The image_id value must be a valid AMI id, starting with "ami-"\./);
  t.regex(r.text, /This was checked by the validation rule at\s+v\.pkr\.hcl:4,3-13\./);
  const ok = await checkHclTemplate("v.pkr.hcl", dir, { ...NO_INPUTS, vars: [["image_id", "ami-12345"]] });
  t.true(ok.ok, ok.ok ? "" : ok.text);
});

test("an undeclared variable in a var file is a warning; an undeclared -var is an error", async (t) => {
  const dir = workspace(t, { "m.pkr.hcl": ECHO_V, "extra.pkrvars.hcl": `nope = 1\n` });
  const warned = await checkHclTemplate("m.pkr.hcl", dir, { ...NO_INPUTS, varFiles: ["extra.pkrvars.hcl"] });
  t.true(warned.ok);
  if (warned.ok) t.regex(warned.warnings, /Warning: Undefined variable[\s\S]*A "nope" variable was set but was not found in known variables/);
  const failed = await checkHclTemplate("m.pkr.hcl", dir, { ...NO_INPUTS, vars: [["nope", "1"]] });
  t.false(failed.ok);
  if (!failed.ok) t.regex(failed.text, /Error: Undefined -var variable/);
});

test("a -var value for a list variable is parsed as an HCL expression and converted to the type", async (t) => {
  const dir = workspace(t, {
    "l.pkr.hcl": `
variable "zones" {
  type = list(string)
}
source "file" "x" {
  content = join(",", var.zones)
  target  = "out.txt"
}
build {
  sources = ["source.file.x"]
}
`,
  });
  t.is(await content(dir, "l.pkr.hcl", { vars: [["zones", `["a", "b"]`]] }), "a,b");
  const bad = await checkHclTemplate("l.pkr.hcl", dir, { ...NO_INPUTS, vars: [["zones", `{ x = ["a"] }`]] });
  t.false(bad.ok);
  if (!bad.ok) t.regex(bad.text, /Invalid argument value for -var variable/);
});

test("a variable with neither default nor value is reported as unset", async (t) => {
  const dir = workspace(t, { "u.pkr.hcl": `variable "region" {\n  type = string\n}\n` });
  const r = await checkHclTemplate("u.pkr.hcl", dir, NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) t.regex(r.text, /Error: Unset variable "region"/);
});

test("a -var-file that cannot be read is hclparse's 'Failed to read file', without the system's reason", async (t) => {
  const dir = workspace(t, { "t.pkr.hcl": ECHO_V });
  const r = await checkHclTemplate("t.pkr.hcl", dir, { ...NO_INPUTS, varFiles: ["nope.pkrvars.hcl"] });
  t.false(r.ok);
  if (!r.ok) t.is(r.text, `Error: Failed to read file\n\nThe configuration file "nope.pkrvars.hcl" could not be read.\n\n\n`);
});

test("a folder's *.pkr.hcl link to nothing is listed and fails to read, as Packer's ReadDir (Lstat) lists it; it was skipped", async (t) => {
  const dir = workspace(t, { "t.pkr.hcl": ECHO_V });
  symlinkSync("../shared/gone.pkr.hcl", join(dir, "gone.pkr.hcl"));
  const r = await checkHclTemplate(".", dir, NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) t.is(r.text, `Error: Failed to read file\n\nThe configuration file "gone.pkr.hcl" could not be read.\n\n\n`);
});

test("a variable's type is an exact type (typeexpr.Type): `any` is refused; in a .pkr.json the type string is native syntax", async (t) => {
  const dir = workspace(t, {
    "any.pkr.hcl": `variable "a" {\n  type    = any\n  default = "x"\n}\n`,
    "j.pkr.json": `{\n  "variable": {"v": {"type": "list(string)", "default": ["a"]}},\n  "source": {"file": {"x": {"content": "\${join(\\",\\", var.v)}", "target": "out.txt"}}},\n  "build": {"sources": ["source.file.x"]}\n}\n`,
  });
  const bad = await checkHclTemplate("any.pkr.hcl", dir, NO_INPUTS);
  t.false(bad.ok);
  if (!bad.ok) {
    t.is(
      bad.text,
      `Error: Invalid type specification\n\n  on any.pkr.hcl line 2, in variable "a":\n   2:   type    = any\n\nThe keyword "any" cannot be used in this type specification: an exact type is\nrequired.\n\n\n`,
    );
  }
  const good = await checkHclTemplate("j.pkr.json", dir, { ...NO_INPUTS, vars: [["v", `["b", "c"]`]] });
  t.true(good.ok, good.ok ? "" : good.text);
  if (good.ok) t.is(good.specs[0].builder.config.content, "b,c");
});

test("a string -var that fails validation is located 'on  line 0:' (Packer 1.6.6 makes it a literal expression without a range)", async (t) => {
  const dir = workspace(t, {
    "s.pkr.hcl": `variable "s" {\n  type    = string\n  default = "x"\n  validation {\n    condition     = var.s != "bad"\n    error_message = "Not bad."\n  }\n}\n`,
  });
  const r = await checkHclTemplate("s.pkr.hcl", dir, { ...NO_INPUTS, vars: [["s", "bad"]] });
  t.false(r.ok);
  if (!r.ok) {
    t.is(r.text, `Error: Invalid value for cmd variable\n\n  on  line 0:\n  (source code not available)\n\nNot bad.\n\nThis was checked by the validation rule at s.pkr.hcl:4,3-13.\n\n\n`);
  }
});

test("a variable's default may reference no variable ('Variables not allowed'), as 1.6.6's decodeInputVariables", async (t) => {
  const dir = workspace(t, {
    "d.pkr.hcl": `variable "a" {\n  default = "a"\n}\nvariable "b" {\n  default = "\${var.a}-x"\n}\nvariable "c" {\n  default = env("HOME")\n}\n`,
  });
  const r = await checkHclTemplate("d.pkr.hcl", dir, NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) {
    t.is(r.text, `Error: Variables not allowed\n\n  on d.pkr.hcl line 5, in variable "b":\n   5:   default = "\${var.a}-x"\n\nVariables may not be used here.\n\n\n`);
  }
});

test("an undeclared var-file variable is warned about without a location, and the warning is printed before later errors, as packer 1.6.6 prints them", async (t) => {
  const dir = workspace(t, {
    "u.pkr.hcl": `variable "need" {\n  type = string\n}\nsource "file" "x" {\n  content = var.need\n  target  = "out.txt"\n}\nbuild {\n  sources = ["source.file.x"]\n}\n`,
    "extra.auto.pkrvars.hcl": `nope = {\n  a = 1\n}\n`,
  });
  const warning = `Warning: Undefined variable\n\nA "nope" variable was set but was not found in known variables. To declare\nvariable "nope", place this block in one of your .pkr files, such as\nvariables.pkr.hcl\n\n\n`;
  const r = await checkHclTemplate(".", dir, NO_INPUTS);
  t.false(r.ok);
  if (!r.ok) {
    t.is(r.text, `${warning}Error: Unset variable "need"\n\nA used variable must be set or have a default value; see\nhttps://packer.io/docs/configuration/from-1.5/syntax for details.\n\n\n`);
  }
  const ok = await checkHclTemplate(".", dir, { ...NO_INPUTS, vars: [["need", "x"]] });
  t.true(ok.ok);
  if (ok.ok) t.is(ok.warnings, warning);
});
