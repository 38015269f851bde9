import test from "ava";
import { ConfigReader } from "../../../shared/components/config-reader.js";
import { ConfigErrors } from "../../../shared/components/problems.js";
import { packerConfigErrorText } from "../../../shared/validation/config-error-text.js";
import { unusedKeyMessage } from "../../../shared/components/packer-keys/check-keys.js";

test("unknown and deprecated keys are listed in Go's sorted key order, whatever the template's order (rgl/windows-vagrant windows-2019-vsphere.json)", (t) => {
  const keys = ["network_card", "network", "disk_size", "bogus", "disk_thin_provisioned"];
  const text = packerConfigErrorText(keys.map((k) => ({ message: unusedKeyMessage("builder", "vsphere-iso", k), field: k })));
  const listed = [...text.matchAll(/^\t\* (?:unknown configuration key: '"([^"]+)"'|Deprecated configuration key: '([^']+)')/gm)].map((m) => m[1] ?? m[2]);
  t.deepEqual(listed, ["bogus", "disk_size", "disk_thin_provisioned", "network", "network_card"]);
  t.true(text.startsWith("5 errors occurred:\n\t* unknown configuration key: '\"bogus\"'\n\t* Deprecated configuration key: 'disk_size'."));
});

const interpolation = { userVariables: {}, enableEnv: false, initTime: new Date() };

function problemsOf(config: Record<string, unknown>, read: (r: ConfigReader) => void, decodeErrorPrefix?: string): ConfigErrors {
  const r = new ConfigReader({ type: "shell-local", config }, { kind: "provisioner", interpolation, renderLater: ["execute_command"], ...(decodeErrorPrefix ? { decodeErrorPrefix } : {}) });
  read(r);
  try {
    r.finish();
  } catch (e) {
    if (e instanceof ConfigErrors) return e;
    throw e;
  }
  throw new Error("no problems");
}

test("a component's decode prefix goes before the phase's whole text, not before each problem (shell-local's Decode wrap)", (t) => {
  const prefix = "Error decoding config: ";
  const decoding = problemsOf({ valid_exit_codes: ["x", true, 2] }, (r) => r.intList("valid_exit_codes"), prefix);
  t.is(
    packerConfigErrorText(decoding.problems),
    `Error decoding config: 1 error(s) decoding:\n\n* cannot parse 'valid_exit_codes[0]' as int: strconv.ParseInt: parsing "x": invalid syntax`,
  );
  const unknown = problemsOf({ foo: "x" }, () => {}, prefix);
  t.is(packerConfigErrorText(unknown.problems), `Error decoding config: 1 error occurred:\n\t* unknown configuration key: '"foo"'\n\n`);
  t.is(packerConfigErrorText(problemsOf({ foo: "x" }, () => {}).problems), `1 error occurred:\n\t* unknown configuration key: '"foo"'\n\n`);
});

test("a key rendered later is parsed all the same: its first bad string is an 'invalid' error (RenderMap's ValidateInterface)", (t) => {
  const e = problemsOf({ execute_command: ["sh", "{{ .Bad x"] }, (r) => r.stringList("execute_command"));
  t.is(packerConfigErrorText(e.problems), `invalid 'execute_command': template: root:1: function "x" not defined in:\n\n{{ .Bad x`);
});
