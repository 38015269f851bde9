/** Boot commands as PC/XT scancodes (VirtualBox's keyboardputscancode), checked against Packer's pcXTDriver table. */
import test from "ava";
import { parseBootCommands } from "../../../../agent/builders/common/boot-command/index.js";
import { scancodePlan, scancodesFor } from "../../../../agent/builders/common/boot-command/scancodes.js";

const plan = (command: string) => scancodePlan(parseBootCommands([command], 0).actions);

test("letters, digits, shifted characters and <enter> as Packer's pcXTDriver sends them", (t) => {
  // a = 1e/9e, A = shift(2a) + 1e/9e + aa, 1 = 02/82, ! = shifted 1, enter = 1c/9c
  t.deepEqual(plan("aA1!<enter>"), [{ kind: "send", codes: ["1e", "9e", "2a", "1e", "9e", "aa", "02", "82", "2a", "02", "82", "aa", "1c", "9c"] }]);
  t.deepEqual(scancodesFor("spc", true), ["39"]);
  t.deepEqual(scancodesFor("slash", false), ["b5"]);
});

test("extended keys carry the E0 prefix on make and break", (t) => {
  t.deepEqual(plan("<up><rightCtrlOn><rightCtrlOff>"), [{ kind: "send", codes: ["e0", "48", "e0", "c8", "e0", "1d", "e0", "9d"] }]);
});

test("chunks hold at most 25 bytes and never split a key; waits flush and pause", (t) => {
  const steps = plan(`${"x".repeat(13)}<wait2s>y`);
  const sends = steps.filter((s) => s.kind === "send");
  t.deepEqual(sends.map((s) => (s.kind === "send" ? s.codes.length : 0)), [24, 2, 2]);
  t.deepEqual(steps[2], { kind: "wait", ms: 2000 });
  for (const s of sends) if (s.kind === "send") t.true(s.codes.length <= 25);
});

test("a key without a PC/XT scancode is refused, naming it", (t) => {
  t.throws(() => scancodesFor("kp_9", true), { message: /kp_9/ });
});
