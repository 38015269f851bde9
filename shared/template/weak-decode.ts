import { parseGoDuration, DurationSyntaxError } from "./duration.js";
import { goKind, unconvertible, expectedMap, expectedSlice, mapstructureErrorText } from "./decode-messages.js";

/**
 * Packer decodes a few template keys "weakly" (mapstructure's WeaklyTypedInput): numbers and
 * booleans become strings, a lone value becomes a one-element list. Each function returns the
 * value, or the decoder's message when the value cannot be converted.
 */
export type Decoded<T> = { ok: true; value: T } | { ok: false; message: string };

export function weakString(name: string, v: unknown): Decoded<string> {
  if (v === null || v === undefined) return { ok: true, value: "" };
  if (typeof v === "string") return { ok: true, value: v };
  if (typeof v === "number") return { ok: true, value: goFormatFloat(v) };
  if (typeof v === "boolean") return { ok: true, value: v ? "1" : "0" };
  return { ok: false, message: unconvertible(name, "string", v) };
}

export function weakStringList(name: string, v: unknown): Decoded<string[]> {
  if (v === null || v === undefined) return { ok: true, value: [] };
  const items = Array.isArray(v) ? v : [v];
  const out: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const s = weakString(`${name}[${i}]`, items[i]);
    if (!s.ok) return s;
    out.push(s.value);
  }
  return { ok: true, value: out };
}

/** A strict list of strings (the post-processor decoder is not weak). */
export function strictStringList(name: string, v: unknown): Decoded<string[]> {
  if (v === null || v === undefined) return { ok: true, value: [] };
  if (!Array.isArray(v)) return { ok: false, message: expectedSlice(name, v) };
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const item: unknown = v[i];
    if (typeof item !== "string") return { ok: false, message: unconvertible(`${name}[${i}]`, "string", item) };
    out.push(item);
  }
  return { ok: true, value: out };
}

/**
 * A key decoded into a Go map that Packer then throws away (the `Config` field of a builder,
 * provisioner or post-processor, which a "config" key in any case fills first): only its type
 * is checked. Weakly, a list of maps is merged into one.
 */
export function mapShape(name: string, v: unknown, weak: boolean): Decoded<null> {
  if (v === null || v === undefined || goKind(v) === "map") return { ok: true, value: null };
  if (weak && Array.isArray(v)) {
    const bad = v.findIndex((item) => goKind(item) !== "map");
    return bad < 0 ? { ok: true, value: null } : { ok: false, message: expectedMap(`${name}[${bad}]`, v[bad]) };
  }
  return { ok: false, message: expectedMap(name, v) };
}

/** A Go duration in milliseconds: a string such as "1m30s", or a bare number of nanoseconds. */
export function weakDuration(name: string, v: unknown): Decoded<number> {
  if (v === null || v === undefined) return { ok: true, value: 0 };
  if (typeof v === "number") return { ok: true, value: Math.trunc(v) / 1e6 };
  if (typeof v === "boolean") return { ok: true, value: v ? 1e-6 : 0 };
  if (typeof v === "string") {
    try {
      return { ok: true, value: parseGoDuration(v) };
    } catch (e) {
      if (!(e instanceof DurationSyntaxError)) throw e;
      return { ok: false, message: `error decoding '${name}': ${e.message}` };
    }
  }
  return { ok: false, message: `'${name}' expected type 'int64', got unconvertible type '${goKind(v)}'` };
}

/** strconv.FormatFloat(f, 'f', -1, 64): never an exponent. */
function goFormatFloat(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) >= 1e21) return BigInt(n).toString();
  const s = String(n);
  if (!/e/.test(s)) return s;
  return n.toFixed(20).replace(/\.?0+$/, "");
}

/**
 * Collects the decoder's messages for one object's keys, so that all of them are reported
 * together as `N error(s) decoding:`, located at the first key at fault.
 */
export class DecodeProblems {
  private readonly problems: { message: string; key: string }[] = [];

  /** The decoded value, or `fallback` after recording why it could not be decoded. */
  take<T>(key: string, d: Decoded<T>, fallback: T): T {
    if (d.ok) return d.value;
    this.problems.push({ message: d.message, key });
    return fallback;
  }

  /** The first key at fault, or undefined when every key decoded. */
  get firstKey(): string | undefined {
    return this.problems[0]?.key;
  }

  /** mapstructure's summary: `2 error(s) decoding:\n\n* a\n* b`, sorted. */
  summary(): string {
    return mapstructureErrorText(this.problems.map((p) => p.message));
  }
}
