/**
 * Numbers. cty numbers are 512-bit big.Floats; Kiln's are JS doubles (the contract's Value), so
 * arithmetic is done on the operands' shortest decimal forms and rounded once to a double: that
 * gives cty's answers wherever the result fits a double (`0.1 + 0.2` is `0.3`, as in Packer).
 * Known difference: a string made from a non-terminating quotient keeps 17 digits here, where
 * cty prints ~155 (`"${1/3}"`), and numbers beyond a double's range become ±Infinity.
 */

/** An arithmetic error, worded as cty's stdlib words it (the evaluator adds "Error during operation: …"). */
export class NumberOperationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NumberOperationError";
  }
}

/** sign * digits * 10^exp, exact. */
interface Decimal {
  negative: boolean;
  digits: bigint;
  exp: number;
}

function toDecimal(n: number): Decimal {
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(Math.abs(n)));
  if (!m) throw new Error(`not a finite number: ${n}`);
  const frac = m[2] ?? "";
  return { negative: n < 0, digits: BigInt(m[1] + frac), exp: Number(m[3] ?? 0) - frac.length };
}

function fromDecimal(d: Decimal): number {
  const v = Number(`${d.digits}e${d.exp}`);
  return d.negative && v !== 0 ? -v : v;
}

function signed(d: Decimal): bigint {
  return d.negative ? -d.digits : d.digits;
}

function fromSigned(v: bigint, exp: number): Decimal {
  return { negative: v < 0n, digits: v < 0n ? -v : v, exp };
}

/** Both operands as integers scaled to a common exponent. */
function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const exp = Math.min(a.exp, b.exp);
  return [signed(a) * 10n ** BigInt(a.exp - exp), signed(b) * 10n ** BigInt(b.exp - exp), exp];
}

export function addNumbers(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b)) {
    if (a === -b && !Number.isFinite(a)) throw new NumberOperationError("can't compute sum of opposing infinities");
    return a + b;
  }
  const [x, y, exp] = align(toDecimal(a), toDecimal(b));
  return fromDecimal(fromSigned(x + y, exp));
}

export function subtractNumbers(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b)) {
    if (a === b) throw new NumberOperationError("can't subtract infinity from itself");
    return a - b;
  }
  const [x, y, exp] = align(toDecimal(a), toDecimal(b));
  return fromDecimal(fromSigned(x - y, exp));
}

export function multiplyNumbers(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b)) {
    if (a === 0 || b === 0) throw new NumberOperationError("can't multiply zero by infinity");
    return a * b;
  }
  const x = toDecimal(a);
  const y = toDecimal(b);
  return fromDecimal({ negative: x.negative !== y.negative, digits: x.digits * y.digits, exp: x.exp + y.exp });
}

/** Significant digits kept in a quotient before the one rounding to a double. */
const QUOTIENT_DIGITS = 40;

export function divideNumbers(a: number, b: number): number {
  if ((a === 0 && b === 0) || (!Number.isFinite(a) && !Number.isFinite(b))) {
    throw new NumberOperationError("can't divide zero by zero or infinity by infinity");
  }
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return a / b;
  const x = toDecimal(a);
  const y = toDecimal(b);
  if (x.digits === 0n) return 0;
  // Scale the dividend so the integer quotient has at least QUOTIENT_DIGITS digits.
  const scale = Math.max(0, QUOTIENT_DIGITS - (x.digits.toString().length - y.digits.toString().length));
  const q = (x.digits * 10n ** BigInt(scale)) / y.digits;
  return fromDecimal({ negative: x.negative !== y.negative, digits: q, exp: x.exp - y.exp - scale });
}

/** cty's Modulo: a - b*trunc(a/b), the sign following the dividend (`-5 % 3` is -2). */
export function moduloNumbers(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b)) {
    if (a === 0 || b === 0) throw new NumberOperationError("can't use modulo with zero and infinity");
    return multiplyNumbers(a, b);
  }
  if (b === 0) return a;
  const [x, y, exp] = align(toDecimal(a), toDecimal(b));
  const r = x - y * (x / y);
  return fromDecimal(fromSigned(r, exp));
}

/** cty.ParseNumberVal (big.ParseFloat base 10): what a string must look like to convert to a number. */
const NUMBER_SYNTAX = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[Ii]nf)$/;

export function parseNumber(text: string): number | undefined {
  if (!NUMBER_SYNTAX.test(text)) return undefined;
  if (/inf$/i.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  return Number(text);
}

/** Shortest round-trip digits and decimal exponent: 123.4 → { digits: "1234", exp: 2 } (first digit's power of ten). */
function shortestDigits(n: number): { digits: string; exp: number } {
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(Math.abs(n).toExponential());
  if (!m) throw new Error(`not a finite number: ${n}`);
  return { digits: m[1] + (m[2] ?? ""), exp: Number(m[3]) };
}

/** Digits placed around the decimal point without an exponent. */
function plainDecimal(digits: string, exp: number): string {
  const point = exp + 1; // digits before the decimal point
  if (point <= 0) return `0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + "0".repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * A number as cty turns it into a string (big.Float Text('f', -1)): never an exponent,
 * `1e20` is "100000000000000000000", `2e-7` is "0.0000002".
 */
export function numberToString(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : "-Inf";
  if (n === 0) return "0";
  const { digits, exp } = shortestDigits(n);
  return (n < 0 ? "-" : "") + plainDecimal(digits, exp);
}

/** Go's fmt %g for a float64 (shortest digits; exponent when it is < -4 or >= 6): `1e+20`, `2e-07`, `0.0001`. */
export function formatGoFloat(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : "-Inf";
  if (n === 0) return Object.is(n, -0) ? "-0" : "0";
  const { digits, exp } = shortestDigits(n);
  const sign = n < 0 ? "-" : "";
  if (exp < -4 || exp >= 6) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, "0");
    return `${sign}${mantissa}e${exp < 0 ? "-" : "+"}${e}`;
  }
  return sign + plainDecimal(digits, exp);
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Whether a number is an integer in int64's range (Packer's console then prints it as an int). */
export function isInt64(n: number): boolean {
  if (!Number.isInteger(n)) return false;
  const b = BigInt(n);
  return b >= INT64_MIN && b <= INT64_MAX;
}
