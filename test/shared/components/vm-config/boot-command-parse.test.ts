import test from "ava";
import { BootCommandError, bootCommandProblems, parseBootCommand, parseBootCommands, type BootAction } from "../../../../shared/components/vm-config/boot-command/parse.js";

const keys = (actions: BootAction[]) => actions.map((a) => (a.kind === "wait" ? `wait:${a.ms}` : `${a.kind}:${a.shift ? "S-" : ""}${a.qcode}`));

test("literal text maps to qcodes, capitals and symbols with shift", (t) => {
  t.deepEqual(keys(parseBootCommand("aZ9 -_:/>").actions), [
    "tap:a", "tap:S-z", "tap:9", "tap:spc", "tap:minus", "tap:S-minus", "tap:S-semicolon", "tap:slash", "tap:S-dot",
  ]);
});

test("every special key family, case-insensitive", (t) => {
  const text = "<enter><return><ESC><Tab><bs><del><spacebar><insert><home><end><pageUp><PAGEDOWN><menu><up><down><left><right><f1><F12>";
  t.deepEqual(keys(parseBootCommand(text).actions), [
    "tap:ret", "tap:ret", "tap:esc", "tap:tab", "tap:backspace", "tap:delete", "tap:spc", "tap:insert", "tap:home", "tap:end",
    "tap:pgup", "tap:pgdn", "tap:menu", "tap:up", "tap:down", "tap:left", "tap:right", "tap:f1", "tap:f12",
  ]);
  t.deepEqual(
    keys(parseBootCommand("<leftAlt><rightAlt><leftCtrl><rightCtrl><leftShift><rightShift><leftSuper><rightSuper>").actions),
    ["tap:alt", "tap:alt_r", "tap:ctrl", "tap:ctrl_r", "tap:shift", "tap:shift_r", "tap:meta_l", "tap:meta_r"],
  );
});

test("holds of modifiers, special keys and printable characters", (t) => {
  t.deepEqual(keys(parseBootCommand("<leftCtrlOn>c<leftCtrlOff><f5on><f5OFF><aOn><aOff><AOn><AOff><:On>").actions), [
    "hold:ctrl", "tap:c", "release:ctrl", "hold:f5", "release:f5", "hold:a", "release:a", "hold:S-a", "release:S-a", "hold:S-semicolon",
  ]);
});

test("waits: bare, seconds, Go durations, as Packer 1.6.6's grammar reads them; negative waits are no wait", (t) => {
  t.deepEqual(keys(parseBootCommand("<wait><wait5><wait10><wait1m20s><wait300ms><wait1.5s><wait-1s><wait0>").actions), [
    "wait:1000", "wait:5000", "wait:10000", "wait:80000", "wait:300", "wait:1500", "wait:0", "wait:1000",
  ]);
  // "wait" is lower case in the grammar: <WAIT2h> is no wait, it is typed; so is <wait1.5> (a fraction needs a unit).
  t.is(parseBootCommand("<WAIT2h>").actions.length, 8);
  t.is(parseBootCommand("<wait1.5>").actions.length, 9);
});

test("bootCommandProblems: what Packer 1.6.6's BootConfig.Prepare says of waits (texts from packer validate)", (t) => {
  t.deepEqual(bootCommandProblems([]), []);
  t.deepEqual(bootCommandProblems(["<enterOn><foo><wait1.5><wait0.5s><wait1m30s><waitXYZ><wait-1><wait.5s><wait0>"]), []);
  t.deepEqual(bootCommandProblems(["<wait0s>"]), ["Expecting a positive wait value. Got 0s"]);
  t.deepEqual(bootCommandProblems(["<wait-1s>"]), ["Expecting a positive wait value. Got -1s"]);
  t.deepEqual(bootCommandProblems(["<wait0><wait0ms>x<wait-0s>"]), ["Expecting a positive wait value. Got 0s", "Expecting a positive wait value. Got 0s"]);
  // The entries are joined before they are parsed.
  t.deepEqual(bootCommandProblems(["<wa", "it0s>"]), ["Expecting a positive wait value. Got 0s"]);
  // Seconds times 1e9 overflow Go's int64.
  t.deepEqual(bootCommandProblems(["<wait9223372037>"]), ["Expecting a positive wait value. Got -2562047h47m16.709551616s"]);
  // A parse error (a number too big) is one message, positioned as pigeon does, and hides the waits' checks.
  t.deepEqual(bootCommandProblems(["<wait0s><wait9999999999h>"]), ['1:14 (13): rule Duration: time: invalid duration "9999999999h"']);
  t.deepEqual(bootCommandProblems(["<wait99999999999999999999>"]), ['1:6 (5): rule Integer: strconv.ParseInt: parsing "99999999999999999999": value out of range']);
  t.deepEqual(bootCommandProblems(["é\n<wait9999999999h>"]), ['2:6 (8): rule Duration: time: invalid duration "9999999999h"']);
});

test("unknown bracketed words are typed literally, with a warning", (t) => {
  const plan = parseBootCommand("<enterr><wait5x>");
  t.deepEqual(keys(plan.actions).slice(0, 8), ["tap:S-comma", "tap:e", "tap:n", "tap:t", "tap:e", "tap:r", "tap:r", "tap:S-dot"]);
  t.is(plan.actions.length, 16);
  t.is(plan.warnings.length, 2);
  t.regex(plan.warnings[0], /"<enterr>" at position 0 is not a known key/);
  t.deepEqual(keys(parseBootCommand("a < b > c").actions).length, 9);
  t.deepEqual(parseBootCommand("<>").actions.length, 2);
});

test("a realistic installer command line", (t) => {
  const plan = parseBootCommand("<esc><wait>install auto=true url=http://10.0.2.2:8123/preseed.cfg<enter>");
  t.deepEqual(keys(plan.actions).slice(0, 3), ["tap:esc", "wait:1000", "tap:i"]);
  const last = plan.actions.at(-1);
  t.is(last?.kind === "tap" ? last.label : undefined, "<enter>");
  t.deepEqual(plan.warnings, []);
});

test("characters no US key types are an error naming the character and position", (t) => {
  const err = t.throws(() => parseBootCommand("ab\u00e9"), { instanceOf: BootCommandError });
  t.regex(err!.message, /cannot type "é" \(U\+00E9\) at position 2/);
  const inList = t.throws(() => parseBootCommands(["ok", "x\u0007"]), { instanceOf: BootCommandError });
  t.regex(inList!.message, /^boot_command\[1\]: cannot type/);
});

test("groups join with boot_keygroup_interval waits between them", (t) => {
  t.deepEqual(keys(parseBootCommands(["a", "<enter>"], 250).actions), ["tap:a", "wait:250", "tap:ret"]);
  t.deepEqual(keys(parseBootCommands(["a", "b"]).actions), ["tap:a", "tap:b"]);
});
