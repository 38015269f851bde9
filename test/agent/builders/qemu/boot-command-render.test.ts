import test from "ava";
import { BootCommandError, parseBootCommands, renderBootCommands } from "../../../../agent/builders/common/boot-command/index.js";

const ctx = { userVariables: { host: "box" }, enableEnv: false, initTime: new Date() };

test("HTTPIP, HTTPPort, Name and user variables render before parsing", (t) => {
  const rendered = renderBootCommands(["url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks <wait>", "{{ .Name }}-{{user `host`}}"], ctx, {
    HTTPIP: "10.0.2.2", HTTPPort: 8123, Name: "vm1",
  });
  t.deepEqual(rendered, ["url=http://10.0.2.2:8123/ks <wait>", "vm1-box"]);
  t.is(parseBootCommands(rendered).actions.filter((a) => a.kind === "wait").length, 1);
});

test("a template error names the entry", (t) => {
  const err = t.throws(() => renderBootCommands(["ok", "{{ .HTTPIP "], ctx, { HTTPIP: "x", HTTPPort: 1, Name: "n" }), { instanceOf: BootCommandError });
  t.regex(err!.message, /^boot_command\[1\]: /);
});
