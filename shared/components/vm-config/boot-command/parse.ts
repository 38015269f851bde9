/**
 * Parses Packer's boot_command key syntax into key actions. Like Packer's grammar, anything in
 * angle brackets that is not a known key, hold or wait is typed literally (`<foo>` types the five
 * characters); we add a warning for those so typos like `<enterr>` are visible. Waits are read by
 * Packer 1.6.6's own grammar rule (common/bootcommand's boot_command.pigeon), which is also what
 * builders check a boot command with when they prepare (bootCommandProblems).
 */
import { DurationSyntaxError, formatGoDurationNs, parseGoDurationNs } from "../../../template/duration.js";
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
    const wait = text[i] === "<" ? matchWait(text, i, new ParseErrors(text)) : undefined;
    if (wait) {
      // A wait of zero or less never gets here: Prepare refuses it (bootCommandProblems).
      actions.push({ kind: "wait", ms: Math.max(0, Number(wait.ns) / 1e6) });
      i = wait.end;
      continue;
    }
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

/**
 * What Packer 1.6.6's BootConfig.Prepare says of a boot command: its entries are joined into one
 * text and parsed; a parse error (a wait that overflows) is one message, else each wait of zero
 * or less is one ("Expecting a positive wait value. Got 0s").
 */
export function bootCommandProblems(commands: readonly string[]): string[] {
  const text = commands.join("");
  if (text === "") return [];
  const errors = new ParseErrors(text);
  const waits: bigint[] = [];
  for (let i = 0; i < text.length; ) {
    const wait = text[i] === "<" ? matchWait(text, i, errors) : undefined;
    if (wait) {
      waits.push(wait.ns);
      i = wait.end;
    } else {
      // Any other expression (a key, a toggle, a character) starts with one character and raises nothing.
      i += String.fromCodePoint(text.codePointAt(i)!).length;
    }
  }
  if (errors.messages.length > 0) return [errors.messages.join("\n")];
  return waits.filter((ns) => ns <= 0n).map((ns) => `Expecting a positive wait value. Got ${formatGoDurationNs(ns)}`);
}

/** Errors the grammar's actions raise, as pigeon words them ("1:6 (5): rule Duration: …"), each once. */
class ParseErrors {
  readonly messages: string[] = [];
  constructor(private readonly text: string) {}

  add(index: number, rule: string, message: string): void {
    // pigeon's position: line, column in characters, offset in bytes.
    const before = this.text.slice(0, index);
    const line = before.split("\n").length;
    const column = [...before.slice(before.lastIndexOf("\n") + 1)].length + 1;
    const text = `${line}:${column} (${Buffer.byteLength(before)}): rule ${rule}: ${message}`;
    if (!this.messages.includes(text)) this.messages.push(text);
  }
}

const MAX_INT64 = (1n << 63n) - 1n;
const SECOND_NS = 1_000_000_000n;
const TIME_UNITS = ["ns", "us", "µs", "ms", "s", "m", "h"];

/**
 * The grammar's `Wait = "<" "wait" (Duration / Integer)? ">"` at `i`: its end and its wait in
 * nanoseconds, or undefined when it does not match. Its actions' errors are added even then, as
 * pigeon keeps them when it backtracks. `<wait>` and `<wait0>` are 1s (the action gets no number
 * for a lone 0); `<wait5>` is 5 s, with Go's int64 overflow.
 */
function matchWait(text: string, i: number, errors: ParseErrors): { end: number; ns: bigint } | undefined {
  if (!text.startsWith("<wait", i)) return undefined;
  const start = i + "<wait".length;
  let ns = SECOND_NS;
  let after = start;
  const duration = matchDuration(text, start, errors);
  if (duration) {
    ns = duration.ns;
    after = duration.end;
  } else {
    const integer = matchInteger(text, start, errors);
    if (integer) {
      if (integer.value !== undefined) ns = BigInt.asIntN(64, integer.value * SECOND_NS);
      after = integer.end;
    }
  }
  return text[after] === ">" ? { end: after + 1, ns } : undefined;
}

/** `Integer = '0' / [1-9] [0-9]* { strconv.ParseInt }`: the action (and its value) only for the second form. */
function matchInteger(text: string, i: number, errors: ParseErrors): { end: number; value?: bigint } | undefined {
  if (text[i] === "0") return { end: i + 1 };
  const digits = /^[1-9][0-9]*/.exec(text.slice(i))?.[0];
  if (!digits) return undefined;
  const value = BigInt(digits);
  if (value > MAX_INT64) {
    errors.add(i, "Integer", `strconv.ParseInt: parsing "${digits}": value out of range`);
    return { end: i + digits.length, value: MAX_INT64 };
  }
  return { end: i + digits.length, value };
}

/** `Duration = ( Number TimeUnit )+ { time.ParseDuration }`, `Number = '-'? Integer ( '.' Digit+ )?`. */
function matchDuration(text: string, i: number, errors: ParseErrors): { end: number; ns: bigint } | undefined {
  let end = i;
  for (;;) {
    let j = end;
    if (text[j] === "-") j++;
    const integer = matchInteger(text, j, errors);
    if (!integer) break;
    j = integer.end;
    const fraction = /^\.[0-9]+/.exec(text.slice(j))?.[0];
    if (fraction) j += fraction.length;
    const unit = TIME_UNITS.find((u) => text.startsWith(u, j));
    if (!unit) break;
    end = j + unit.length;
  }
  if (end === i) return undefined;
  try {
    return { end, ns: parseGoDurationNs(text.slice(i, end)) };
  } catch (e) {
    if (!(e instanceof DurationSyntaxError)) throw e;
    errors.add(i, "Duration", e.message);
    return { end, ns: 0n };
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
