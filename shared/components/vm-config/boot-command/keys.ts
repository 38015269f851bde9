/**
 * Packer's boot_command key names and the US-layout characters, mapped to QEMU's qcodes (the key
 * names QMP `input-send-event` takes). Lookups of special keys are case-insensitive, as in Packer.
 */

/** `<name>` → qcode. Modifiers can also be held with `<nameOn>` / `<nameOff>`. */
export const SPECIAL_KEYS: ReadonlyMap<string, string> = new Map([
  ["bs", "backspace"], ["del", "delete"], ["enter", "ret"], ["return", "ret"], ["esc", "esc"], ["tab", "tab"],
  ["spacebar", "spc"], ["insert", "insert"], ["home", "home"], ["end", "end"], ["pageup", "pgup"], ["pagedown", "pgdn"],
  ["menu", "menu"], ["up", "up"], ["down", "down"], ["left", "left"], ["right", "right"],
  ...Array.from({ length: 12 }, (_, i) => [`f${i + 1}`, `f${i + 1}`] as [string, string]),
  ["leftalt", "alt"], ["rightalt", "alt_r"], ["leftctrl", "ctrl"], ["rightctrl", "ctrl_r"],
  ["leftshift", "shift"], ["rightshift", "shift_r"], ["leftsuper", "meta_l"], ["rightsuper", "meta_r"],
  // Packer's macOS-flavoured aliases.
  ["leftcommand", "meta_l"], ["rightcommand", "meta_r"], ["leftoption", "alt"], ["rightoption", "alt_r"],
]);

export interface CharKey {
  qcode: string;
  /** Typed with shift held (capitals, `!`, `:`, `>`…). */
  shift: boolean;
}

const UNSHIFTED: Record<string, string> = {
  " ": "spc", "-": "minus", "=": "equal", "[": "bracket_left", "]": "bracket_right", "\\": "backslash",
  ";": "semicolon", "'": "apostrophe", "`": "grave_accent", ",": "comma", ".": "dot", "/": "slash",
  "\n": "ret", "\r": "ret", "\t": "tab",
};
const SHIFTED: Record<string, string> = {
  "!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "^": "6", "&": "7", "*": "8", "(": "9", ")": "0",
  "_": "minus", "+": "equal", "{": "bracket_left", "}": "bracket_right", "|": "backslash",
  ":": "semicolon", '"': "apostrophe", "~": "grave_accent", "<": "comma", ">": "dot", "?": "slash",
};

/** The key that types `ch` on a US keyboard, or undefined when no single key does. */
export function keyForChar(ch: string): CharKey | undefined {
  if (/^[a-z0-9]$/.test(ch)) return { qcode: ch, shift: false };
  if (/^[A-Z]$/.test(ch)) return { qcode: ch.toLowerCase(), shift: true };
  if (ch in UNSHIFTED) return { qcode: UNSHIFTED[ch], shift: false };
  if (ch in SHIFTED) return { qcode: SHIFTED[ch], shift: true };
  return undefined;
}
