/**
 * Boot command keys as X keysyms, the key codes RFB KeyEvents carry. The actions come from the
 * shared boot-command parser (keyed by QEMU qcode); the keysyms are Packer's VNC driver's:
 * its special-key table, and for a character its own code point (shift held around shifted
 * characters, as Packer does).
 */
import { keyForChar } from "../../../shared/components/vm-config/boot-command/keys.js";
import type { BootAction } from "../common/boot-command/index.js";

export const KEYSYM_LEFT_SHIFT = 0xffe1;

/** qcode → keysym for Packer's special keys (bootcommand/vnc_driver.go). */
const SPECIAL: Record<string, number> = {
  backspace: 0xff08, delete: 0xffff, down: 0xff54, end: 0xff57, ret: 0xff0d, esc: 0xff1b,
  f1: 0xffbe, f2: 0xffbf, f3: 0xffc0, f4: 0xffc1, f5: 0xffc2, f6: 0xffc3, f7: 0xffc4, f8: 0xffc5, f9: 0xffc6, f10: 0xffc7, f11: 0xffc8, f12: 0xffc9,
  home: 0xff50, insert: 0xff63, left: 0xff51, alt: 0xffe9, ctrl: 0xffe3, shift: 0xffe1, meta_l: 0xffeb, menu: 0xff67,
  pgdn: 0xff56, pgup: 0xff55, right: 0xff53, alt_r: 0xffea, ctrl_r: 0xffe4, shift_r: 0xffe2, meta_r: 0xffec, spc: 0x20, tab: 0xff09, up: 0xff52,
};

/** The printable character a qcode types, without and with shift (from the shared US layout). */
const CHAR_OF = new Map<string, string>();
for (let code = 0x20; code < 0x7f; code++) {
  const ch = String.fromCharCode(code);
  const key = keyForChar(ch);
  if (key && !(ch === " ")) CHAR_OF.set(`${key.qcode}/${key.shift}`, ch);
}

export interface KeysymPress {
  keysym: number;
  /** Shift is held around the key. */
  shift: boolean;
}

/** The keysym of a tap, hold or release (never a wait). */
export function keysymOf(action: Exclude<BootAction, { kind: "wait" }>): KeysymPress {
  // A typed character is sent as itself, as Packer sends uint32(rune); newline and tab are Packer's <enter>/<tab>.
  if (action.kind === "tap" && [...action.label].length === 1 && action.label !== "\n" && action.label !== "\r" && action.label !== "\t") {
    return { keysym: action.label.codePointAt(0)!, shift: action.shift };
  }
  const special = SPECIAL[action.qcode];
  if (special !== undefined && !action.shift) return { keysym: special, shift: false };
  const ch = CHAR_OF.get(`${action.qcode}/${action.shift}`);
  if (ch !== undefined) return { keysym: ch.codePointAt(0)!, shift: action.shift };
  if (special !== undefined) return { keysym: special, shift: action.shift };
  throw new Error(`boot_command: the key "${action.label}" has no VNC keysym`);
}
