/**
 * Boot commands as PC/XT (set 1) scancodes, for hypervisors that take raw keyboard bytes
 * (VirtualBox's `controlvm keyboardputscancode`). Same key table as Packer's pcXTDriver; the
 * actions come from parse.ts, keyed by QEMU qcode, so one parser serves QMP and scancodes.
 * Like Packer, keys are buffered and sent in chunks of at most `chunkSize` bytes, a chunk never
 * splitting one key's bytes, with a pause after each chunk; a `<waitX>` flushes first.
 */
import type { BootAction } from "../../../../shared/components/vm-config/boot-command/parse.js";

/** Make codes; the break code is make | 0x80 (after the same E0 prefix for extended keys). */
const MAKE: Record<string, number> = {
  esc: 0x01, "1": 0x02, "2": 0x03, "3": 0x04, "4": 0x05, "5": 0x06, "6": 0x07, "7": 0x08, "8": 0x09, "9": 0x0a, "0": 0x0b,
  minus: 0x0c, equal: 0x0d, backspace: 0x0e, tab: 0x0f,
  q: 0x10, w: 0x11, e: 0x12, r: 0x13, t: 0x14, y: 0x15, u: 0x16, i: 0x17, o: 0x18, p: 0x19, bracket_left: 0x1a, bracket_right: 0x1b,
  ret: 0x1c, ctrl: 0x1d,
  a: 0x1e, s: 0x1f, d: 0x20, f: 0x21, g: 0x22, h: 0x23, j: 0x24, k: 0x25, l: 0x26, semicolon: 0x27, apostrophe: 0x28, grave_accent: 0x29,
  shift: 0x2a, backslash: 0x2b,
  z: 0x2c, x: 0x2d, c: 0x2e, v: 0x2f, b: 0x30, n: 0x31, m: 0x32, comma: 0x33, dot: 0x34, slash: 0x35, shift_r: 0x36,
  alt: 0x38, spc: 0x39,
  f1: 0x3b, f2: 0x3c, f3: 0x3d, f4: 0x3e, f5: 0x3f, f6: 0x40, f7: 0x41, f8: 0x42, f9: 0x43, f10: 0x44, f11: 0x57, f12: 0x58,
};
/** Keys sent with an E0 prefix. */
const EXTENDED: Record<string, number> = {
  ctrl_r: 0x1d, alt_r: 0x38, home: 0x47, up: 0x48, pgup: 0x49, left: 0x4b, right: 0x4d, end: 0x4f, down: 0x50, pgdn: 0x51,
  insert: 0x52, delete: 0x53, meta_l: 0x5b, meta_r: 0x5c, menu: 0x5d,
};

const hex = (n: number): string => n.toString(16).padStart(2, "0");

/** The bytes for pressing (`down`) or releasing a key, as two-digit hex strings. */
export function scancodesFor(qcode: string, down: boolean): string[] {
  const ext = EXTENDED[qcode];
  if (ext !== undefined) return ["e0", hex(down ? ext : ext | 0x80)];
  const make = MAKE[qcode];
  if (make === undefined) throw new Error(`boot_command: the key "${qcode}" has no PC/XT scancode`);
  return [hex(down ? make : make | 0x80)];
}

export type ScancodeStep = { kind: "send"; codes: string[] } | { kind: "wait"; ms: number };

/** Turns actions into chunks to send and waits, in order. */
export function scancodePlan(actions: readonly BootAction[], chunkSize = 25): ScancodeStep[] {
  const steps: ScancodeStep[] = [];
  let pending: string[][] = [];
  const flush = (): void => {
    let chunk: string[] = [];
    for (const key of pending) {
      if (chunk.length + key.length > chunkSize && chunk.length > 0) {
        steps.push({ kind: "send", codes: chunk });
        chunk = [];
      }
      chunk.push(...key);
    }
    if (chunk.length > 0) steps.push({ kind: "send", codes: chunk });
    pending = [];
  };
  for (const action of actions) {
    switch (action.kind) {
      case "wait":
        flush();
        steps.push({ kind: "wait", ms: action.ms });
        break;
      case "tap": {
        const shift = action.shift && action.qcode !== "shift";
        pending.push([...(shift ? scancodesFor("shift", true) : []), ...scancodesFor(action.qcode, true), ...scancodesFor(action.qcode, false), ...(shift ? scancodesFor("shift", false) : [])]);
        break;
      }
      case "hold":
        pending.push([...(action.shift ? scancodesFor("shift", true) : []), ...scancodesFor(action.qcode, true)]);
        break;
      case "release":
        pending.push([...scancodesFor(action.qcode, false), ...(action.shift ? scancodesFor("shift", false) : [])]);
        break;
    }
  }
  flush();
  return steps;
}
