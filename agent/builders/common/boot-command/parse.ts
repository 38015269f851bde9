/**
 * Parses Packer's boot_command key syntax into key actions. Like Packer's grammar, anything in
 * angle brackets that is not a known key, hold or wait is typed literally (`<foo>` types the five
 * characters); we add a warning for those so typos like `<enterr>` are visible.
 */
import { parseGoDuration } from "../../../../shared/template/duration.js";
import { keyForChar, SPECIAL_KEYS } from "./keys.js";

export type BootAction =
  /** Press and release, with shift held around it when `shift`. */
  | { kind: "tap"; qcode: string; shift: boolean; label: string }
  /** `<xOn>`: key down, left down until the matching `<xOff>`. */
  | { kind: "hold"; qcode: string; shift: boolean; label: string }
  /** `<xOff>`: key up. */
  | { kind: "release"; qcode: string; shift: boolean; label: string }
  | { kind: "wait"; ms: number };

export interface BootCommandPlan {
  actions: BootAction[];
  /** Bracketed words that look like keys but are not, typed literally as Packer does. */
  warnings: string[];
}

export class BootCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BootCommandError";
  }
}

/** Parses one rendered boot_command string. */
export function parseBootCommand(text: string): BootCommandPlan {
  const actions: BootAction[] = [];
  const warnings: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === "<") {
      const end = text.indexOf(">", i + 1);
      if (end > i + 1) {
        const action = bracketed(text.slice(i + 1, end));
        if (action) {
          actions.push(action);
          i = end + 1;
          continue;
        }
        const inner = text.slice(i + 1, end);
        if (/^[A-Za-z][A-Za-z0-9.]*$/.test(inner)) {
          warnings.push(`"<${inner}>" at position ${i} is not a known key or wait; it is typed literally`);
        }
      }
    }
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    actions.push(charTap(ch, i, text));
    i += ch.length;
  }
  return { actions, warnings };
}

/**
 * Parses every boot_command entry, waiting `keyGroupIntervalMs` between entries (Packer's
 * boot_keygroup_interval).
 */
export function parseBootCommands(commands: readonly string[], keyGroupIntervalMs = 0): BootCommandPlan {
  const plan: BootCommandPlan = { actions: [], warnings: [] };
  commands.forEach((command, index) => {
    let one: BootCommandPlan;
    try {
      one = parseBootCommand(command);
    } catch (e) {
      throw new BootCommandError(`boot_command[${index}]: ${(e as Error).message}`);
    }
    if (index > 0 && keyGroupIntervalMs > 0) plan.actions.push({ kind: "wait", ms: keyGroupIntervalMs });
    plan.actions.push(...one.actions);
    plan.warnings.push(...one.warnings.map((w) => `boot_command[${index}]: ${w}`));
  });
  return plan;
}

function bracketed(inner: string): BootAction | undefined {
  const lower = inner.toLowerCase();
  if (lower.startsWith("wait")) {
    const ms = waitMs(inner.slice(4));
    if (ms !== undefined) return { kind: "wait", ms };
  }
  const special = SPECIAL_KEYS.get(lower);
  if (special) return { kind: "tap", qcode: special, shift: false, label: `<${inner}>` };
  const toggle = /^(.+?)(on|off)$/i.exec(inner);
  if (!toggle) return undefined;
  const kind = toggle[2].toLowerCase() === "on" ? "hold" : "release";
  const key = SPECIAL_KEYS.get(toggle[1].toLowerCase());
  if (key) return { kind, qcode: key, shift: false, label: `<${inner}>` };
  const ch = keyForChar(toggle[1]);
  if ([...toggle[1]].length === 1 && ch) return { kind, qcode: ch.qcode, shift: ch.shift, label: `<${inner}>` };
  return undefined;
}

// `<wait>` is 1s, `<wait5>` 5 s (a bare integer is seconds), `<wait1m30s>` any Go duration.
function waitMs(spec: string): number | undefined {
  if (spec === "") return 1000;
  if (/^(0|[1-9][0-9]*)$/.test(spec)) return Number(spec) * 1000;
  if (!/^-?[0-9.]/.test(spec)) return undefined;
  try {
    return Math.max(0, parseGoDuration(spec));
  } catch {
    return undefined;
  }
}

function charTap(ch: string, position: number, text: string): BootAction {
  const key = keyForChar(ch);
  if (!key) {
    const code = `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
    throw new BootCommandError(
      `cannot type ${JSON.stringify(ch)} (${code}) at position ${position} of ${JSON.stringify(text)}: ` +
        "only characters of a US keyboard can be typed; use <xOn>/<xOff> holds or special keys such as <enter> instead",
    );
  }
  return { kind: "tap", qcode: key.qcode, shift: key.shift, label: ch };
}
