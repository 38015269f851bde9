/**
 * `controlvm keyboardputscancode` bytes (PC/XT scan code set 1: make codes, break codes = make |
 * 0x80, E0-prefixed extended keys) as QMP `input-send-event` key events. QEMU's "number" key
 * value is the "qnum" code: the set 1 make code, with 0x80 added for an E0-prefixed key.
 */
import { VBoxManageError, notImplemented } from "./errors.js";

export interface KeyEvent {
  down: boolean;
  qnum: number;
}

export function parseScancodes(args: readonly string[]): KeyEvent[] {
  const bytes = args.map((a) => {
    if (!/^[0-9a-fA-F]{1,2}$/.test(a)) throw new VBoxManageError(`Error: '${a}' is not a hex byte!`);
    return parseInt(a, 16);
  });
  const events: KeyEvent[] = [];
  for (let i = 0; i < bytes.length; i++) {
    let b = bytes[i]!;
    let extended = false;
    if (b === 0xe1) throw notImplemented("keyboardputscancode E1-prefixed sequences (Pause)");
    if (b === 0xe0) {
      extended = true;
      b = bytes[++i] ?? -1;
      if (b < 0) throw new VBoxManageError("keyboardputscancode: E0 without the byte it prefixes");
    }
    const code = b & 0x7f;
    if (code === 0) throw new VBoxManageError(`keyboardputscancode: ${b.toString(16)} is not a key`);
    events.push({ down: (b & 0x80) === 0, qnum: extended ? 0x80 | code : code });
  }
  return events;
}

/** The QMP arguments of one key event. */
export function inputSendEventArgs(e: KeyEvent): Record<string, unknown> {
  return { events: [{ type: "key", data: { down: e.down, key: { type: "number", data: e.qnum } } }] };
}
