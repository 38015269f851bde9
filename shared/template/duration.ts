/**
 * Go's time.ParseDuration, which Packer uses for every duration key (`pause_before`, `timeout`,
 * `ssh_timeout`, `boot_wait`, `<wait1m20s>`). Returns milliseconds.
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000,
};

export class DurationSyntaxError extends Error {}

export function parseGoDuration(text: string): number {
  const invalid = (): DurationSyntaxError => new DurationSyntaxError(`time: invalid duration ${goQuote(text)}`);
  let s = text;
  let sign = 1;
  if (s.startsWith("-") || s.startsWith("+")) {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") throw invalid();
  let total = 0;
  // As Go reads it: a number ([0-9]* with an optional fraction), then a unit running up to the
  // next digit or dot.
  while (s.length > 0) {
    const number = /^[0-9]*(?:\.[0-9]*)?/.exec(s)![0];
    if (number === "" || number === ".") throw invalid();
    s = s.slice(number.length);
    const unit = /^[^0-9.]*/.exec(s)![0];
    if (unit === "") throw new DurationSyntaxError(`time: missing unit in duration ${goQuote(text)}`);
    const scale = UNIT_MS[unit];
    if (scale === undefined) throw new DurationSyntaxError(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(text)}`);
    total += Number(number) * scale;
    s = s.slice(unit.length);
  }
  return sign * total;
}

/** Go's time.quote: in double quotes, with quote and backslash escaped, control and non-ASCII bytes as \xNN. */
function goQuote(s: string): string {
  let out = '"';
  for (const c of s) {
    if (c < " " || c.codePointAt(0)! >= 0x80) {
      for (const b of new TextEncoder().encode(c)) out += `\\x${b.toString(16).padStart(2, "0")}`;
    } else {
      out += c === '"' || c === "\\" ? `\\${c}` : c;
    }
  }
  return out + '"';
}

/** Go's Duration.String(), for messages such as "Pausing 1s before the next provisioner...". */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  const neg = ms < 0;
  let rest = Math.abs(ms);
  let out = "";
  if (rest < 1000) {
    out = rest >= 1 ? `${trimNum(rest)}ms` : `${trimNum(rest * 1000)}µs`;
  } else {
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const sec = rest / 1000;
    if (h > 0) out += `${h}h`;
    if (h > 0 || m > 0) out += `${m}m`;
    out += `${trimNum(sec)}s`;
  }
  return neg ? `-${out}` : out;
}

function trimNum(n: number): string {
  return String(Number(n.toFixed(9)));
}
