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

const MAX_INT64 = (1n << 63n) - 1n;
const UNIT_NS: Record<string, bigint> = {
  ns: 1n, us: 1_000n, "µs": 1_000n, "μs": 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n,
};

/**
 * Go 1.15's time.ParseDuration to the nanosecond, with its overflow checks (`9999999999h` is
 * "invalid duration"), where the exact value matters (a boot command's `<wait…>`).
 */
export function parseGoDurationNs(text: string): bigint {
  const invalid = (): DurationSyntaxError => new DurationSyntaxError(`time: invalid duration ${goQuote(text)}`);
  let s = text;
  let neg = false;
  if (s.startsWith("-") || s.startsWith("+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") throw invalid();
  let d = 0n;
  while (s !== "") {
    if (!/^[0-9.]/.test(s)) throw invalid();
    const whole = /^[0-9]*/.exec(s)![0];
    s = s.slice(whole.length);
    let v = 0n;
    for (const c of whole) {
      if (v > MAX_INT64 / 10n) throw invalid();
      v = v * 10n + BigInt(c);
      if (v > MAX_INT64) throw invalid();
    }
    let f = 0n;
    let scale = 1;
    let fraction = "";
    if (s.startsWith(".")) {
      fraction = /^[0-9]*/.exec(s.slice(1))![0];
      s = s.slice(1 + fraction.length);
      // leadingFraction: digits past what an int64 holds are dropped.
      let overflow = false;
      for (const c of fraction) {
        if (overflow) continue;
        const y = f * 10n + BigInt(c);
        if (f > MAX_INT64 / 10n || y > MAX_INT64) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
    }
    if (whole === "" && fraction === "") throw invalid();
    const unitText = /^[^0-9.]*/.exec(s)![0];
    if (unitText === "") throw new DurationSyntaxError(`time: missing unit in duration ${goQuote(text)}`);
    s = s.slice(unitText.length);
    const unit = UNIT_NS[unitText];
    if (unit === undefined) throw new DurationSyntaxError(`time: unknown unit ${goQuote(unitText)} in duration ${goQuote(text)}`);
    if (v > MAX_INT64 / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      // Go: int64(float64(f) * (float64(unit) / scale)), in floating point as Go does it.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MAX_INT64) throw invalid();
    }
    d += v;
    if (d > MAX_INT64) throw invalid();
  }
  return neg ? -d : d;
}

/** Go's Duration.String() of a number of nanoseconds (an int64): "1h2m3.5s", "1.5µs", "0s". */
export function formatGoDurationNs(ns: bigint): string {
  if (ns === 0n) return "0s";
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  const frac = (v: bigint, digits: number): string => {
    const text = v.toString().padStart(digits, "0").replace(/0+$/, "");
    return text === "" ? "" : `.${text}`;
  };
  let out: string;
  if (u < 1_000_000_000n) {
    const [scale, digits, unit] = u < 1_000n ? [1n, 0, "ns"] : u < 1_000_000n ? [1_000n, 3, "µs"] : [1_000_000n, 6, "ms"];
    out = `${u / scale}${digits === 0 ? "" : frac(u % scale, digits)}${unit}`;
  } else {
    const seconds = `${(u / 1_000_000_000n) % 60n}${frac(u % 1_000_000_000n, 9)}s`;
    u /= 60_000_000_000n;
    out = u === 0n ? seconds : u < 60n ? `${u}m${seconds}` : `${u / 60n}h${u % 60n}m${seconds}`;
  }
  return neg ? `-${out}` : out;
}
