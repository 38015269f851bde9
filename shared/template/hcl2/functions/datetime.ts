/**
 * Date and time: timestamp, formatdate (Terraform's layout letters), timeadd, and Packer's
 * legacy_isotime / legacy_strftime (the JSON engine's isotime/strftime, reused), rfc3339_parse
 * and unix_timestamp_parse. Timestamps keep their own UTC offset, as Go's time.Time does.
 */
import type { HclFunction, Value } from "../contract.js";
import { DurationSyntaxError, parseGoDuration } from "../../duration.js";
import { formatGoTime, RFC3339, strftime } from "../../interpolate/index.js";
import { defineFunction, fail } from "./function-spec.js";
import { numberType, numberVal, objectVal, stringType, stringVal } from "../value/index.js";

/** A wall-clock time in a fixed UTC offset (minutes east of UTC). */
export interface ZonedTime {
  /** The instant, in milliseconds since the epoch. */
  epochMs: number;
  offsetMinutes: number;
  /** Whether the offset was written `Z` (Go prints it back as `Z`). */
  utcDesignator: boolean;
  nanos: number;
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Go's time.Parse(time.RFC3339, s), with cty's wording of the errors. */
export function parseRfc3339(s: string, argIndex?: number): ZonedTime {
  let rest = s;
  const bad = (what: string): never => fail(rest === "" ? `not a valid RFC3339 timestamp: end of string before ${what}` : `not a valid RFC3339 timestamp: cannot use ${JSON.stringify(rest)} as ${what}`, argIndex);
  // Go checks each element's range as it reads it, and reports the text after the element.
  const digits = (n: number, what: string, max: number, fixed = true): number => {
    const m = (fixed ? new RegExp(`^\\d{${n}}`) : /^\d{1,2}/).exec(rest);
    if (!m) return bad(what);
    rest = rest.slice(m[0].length);
    const v = Number(m[0]);
    if (v > max || (what === "month" && v < 1) || (what === "day of month" && v < 1)) bad(what);
    return v;
  };
  const literal = (lit: string): void => {
    if (rest.startsWith(lit)) {
      rest = rest.slice(lit.length);
      return;
    }
    if (lit === "T") fail("not a valid RFC3339 timestamp: missing required time introducer 'T'", argIndex);
    fail(rest === "" ? `not a valid RFC3339 timestamp: end of string where ${JSON.stringify(lit)} is expected` : `not a valid RFC3339 timestamp: found ${JSON.stringify(rest)} where ${JSON.stringify(lit)} is expected`, argIndex);
  };
  const year = digits(4, "year", 9999);
  literal("-");
  const month = digits(2, "month", 12);
  literal("-");
  const day = digits(2, "day of month", 31);
  literal("T");
  const hour = digits(2, "hour", 23, false);
  literal(":");
  const minute = digits(2, "minute", 59);
  literal(":");
  const second = digits(2, "second", 59);
  let nanos = 0;
  const frac = /^\.(\d+)/.exec(rest);
  if (frac) {
    nanos = Number(frac[1]!.slice(0, 9).padEnd(9, "0"));
    rest = rest.slice(frac[0].length);
  }
  let offsetMinutes = 0;
  let utcDesignator = false;
  if (rest.startsWith("Z")) {
    utcDesignator = true;
    rest = rest.slice(1);
  } else {
    const m = /^([+-])(\d{2}):(\d{2})/.exec(rest);
    if (!m) return bad("UTC offset");
    offsetMinutes = (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
    rest = rest.slice(m[0].length);
  }
  if (rest !== "") fail(`not a valid RFC3339 timestamp: cannot use ${JSON.stringify(rest)} as timestamp segment`, argIndex);
  const daysIn = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysIn) fail("not a valid RFC3339 timestamp: day out of range", argIndex);
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  return { epochMs: local - offsetMinutes * 60_000, offsetMinutes, utcDesignator, nanos };
}

/** The wall-clock fields of a zoned time (via a Date shifted into the offset, read as UTC). */
function wallClock(t: ZonedTime): Date {
  return new Date(t.epochMs + t.offsetMinutes * 60_000);
}

function offsetText(t: ZonedTime, colon: boolean, zForUtc: boolean): string {
  if (zForUtc && t.offsetMinutes === 0) return "Z";
  const sign = t.offsetMinutes < 0 ? "-" : "+";
  const a = Math.abs(t.offsetMinutes);
  const hh = String(Math.floor(a / 60)).padStart(2, "0");
  const mm = String(a % 60).padStart(2, "0");
  return sign + hh + (colon ? ":" : "") + mm;
}

/** Go's t.Format(time.RFC3339) for a zoned time. */
export function formatRfc3339(t: ZonedTime): string {
  const w = wallClock(t);
  const p = (n: number, l = 2): string => String(n).padStart(l, "0");
  return `${p(w.getUTCFullYear(), 4)}-${p(w.getUTCMonth() + 1)}-${p(w.getUTCDate())}T${p(w.getUTCHours())}:${p(w.getUTCMinutes())}:${p(w.getUTCSeconds())}${offsetText(t, true, true)}`;
}

/** formatdate's layout: letters repeat to say the width, `'…'` quotes literal text. */
export function formatDate(format: string, t: ZonedTime): string {
  const w = wallClock(t);
  const p2 = (n: number): string => String(n).padStart(2, "0");
  let out = "";
  let i = 0;
  const isVerb = (c: string | undefined): boolean => c !== undefined && /[a-zA-Z]/.test(c);
  while (i < format.length) {
    const c = format[i]!;
    if (c === "'") {
      if (format[i + 1] === "'") {
        out += "'";
        i += 2;
        continue;
      }
      let j = i + 1;
      let lit = "";
      let closed = false;
      while (j < format.length) {
        if (format[j] === "'") {
          if (format[j + 1] === "'") {
            lit += "'";
            j += 2;
            continue;
          }
          closed = true;
          break;
        }
        lit += format[j];
        j++;
      }
      if (!closed) fail("unterminated literal '", 0);
      // cty's scanner drops a quoted literal that ends the format (it waits for more input).
      if (j === format.length - 1) break;
      out += lit;
      i = j + 1;
      continue;
    }
    if (!isVerb(c)) {
      let j = i;
      while (j < format.length && format[j] !== "'" && !isVerb(format[j])) j++;
      out += format.slice(i, j);
      i = j;
      continue;
    }
    let j = i;
    while (format[j] === c) j++;
    const tok = format.slice(i, j);
    const n = tok.length;
    i = j;
    const q = JSON.stringify(tok);
    switch (c) {
      case "Y":
        if (n === 2) out += p2(w.getUTCFullYear() % 100);
        else if (n === 4) out += String(w.getUTCFullYear()).padStart(4, "0");
        else fail(`invalid date format verb ${q}: year must either be "YY" or "YYYY"`, 0);
        break;
      case "M": {
        const m = w.getUTCMonth();
        if (n === 1) out += String(m + 1);
        else if (n === 2) out += p2(m + 1);
        else if (n === 3) out += MONTHS[m]!.slice(0, 3);
        else if (n === 4) out += MONTHS[m];
        else fail(`invalid date format verb ${q}: month must be "M", "MM", "MMM", or "MMMM"`, 0);
        break;
      }
      case "D":
        if (n === 1) out += String(w.getUTCDate());
        else if (n === 2) out += p2(w.getUTCDate());
        else fail(`invalid date format verb ${q}: day of month must either be "D" or "DD"`, 0);
        break;
      case "E":
        if (n === 3) out += WEEKDAYS[w.getUTCDay()]!.slice(0, 3);
        else if (n === 4) out += WEEKDAYS[w.getUTCDay()];
        else fail(`invalid date format verb ${q}: day of week must either be "EEE" or "EEEE"`, 0);
        break;
      case "h":
        if (n === 1) out += String(w.getUTCHours());
        else if (n === 2) out += p2(w.getUTCHours());
        else fail(`invalid date format verb ${q}: 24-hour must either be "h" or "hh"`, 0);
        break;
      case "H": {
        const h = w.getUTCHours() % 12 || 12;
        if (n === 1) out += String(h);
        else if (n === 2) out += p2(h);
        else fail(`invalid date format verb ${q}: 12-hour must either be "H" or "HH"`, 0);
        break;
      }
      case "A":
      case "a": {
        if (n !== 2) fail(`invalid date format verb ${q}: must be "${c}${c}"`, 0);
        const pm = w.getUTCHours() >= 12;
        out += c === "A" ? (pm ? "PM" : "AM") : pm ? "pm" : "am";
        break;
      }
      case "m":
        if (n === 1) out += String(w.getUTCMinutes());
        else if (n === 2) out += p2(w.getUTCMinutes());
        else fail(`invalid date format verb ${q}: minute must either be "m" or "mm"`, 0);
        break;
      case "s":
        if (n === 1) out += String(w.getUTCSeconds());
        else if (n === 2) out += p2(w.getUTCSeconds());
        else fail(`invalid date format verb ${q}: second must either be "s" or "ss"`, 0);
        break;
      case "Z":
        if (n === 1) out += offsetText(t, true, true);
        else if (n === 3) out += t.offsetMinutes === 0 ? "UTC" : offsetText(t, false, false);
        else if (n === 4) out += offsetText(t, false, false);
        else if (n === 5) out += offsetText(t, true, false);
        else fail(`invalid date format verb ${q}: timezone must be Z, ZZZZ, or ZZZZZ`, 0);
        break;
      default:
        fail(`invalid date format verb ${q}`, 0);
    }
  }
  return out;
}

const text = (v: unknown): string => (v as { value: string }).value;

export function datetimeFunctions(now: () => Date): Record<string, HclFunction> {
  const utcNow = (): ZonedTime => ({ epochMs: now().getTime(), offsetMinutes: 0, utcDesignator: true, nanos: 0 });
  // Packer evaluates legacy_isotime/legacy_strftime against one start time for the whole run.
  let startTime: Date | undefined;
  const initTime = (): Date => (startTime ??= now());
  const legacy = (render: (format: string, t: Date) => string): HclFunction =>
    defineFunction({
      params: [],
      variadic: { name: "format", type: stringType },
      returnType: stringType,
      impl(args) {
        if (args.length > 1) fail(`too many values, 1 needed: [${args.map((a) => JSON.stringify(text(a))).join(" ")}]`);
        if (args.length === 0) return stringVal(formatGoTime(initTime(), RFC3339));
        return stringVal(render(text(args[0]), initTime()));
      },
    });
  return {
    timestamp: defineFunction({ params: [], returnType: stringType, impl: () => stringVal(formatRfc3339(utcNow())) }),
    formatdate: defineFunction({
      params: [
        { name: "format", type: stringType },
        { name: "time", type: stringType },
      ],
      returnType: stringType,
      impl: ([f, t]) => stringVal(formatDate(text(f), parseRfc3339(text(t), 1))),
    }),
    timeadd: defineFunction({
      params: [
        { name: "timestamp", type: stringType },
        { name: "duration", type: stringType },
      ],
      returnType: stringType,
      impl([t, d]) {
        const ts = parseRfc3339(text(t));
        let ms: number;
        try {
          checkDurationUnits(text(d));
          ms = parseGoDuration(text(d));
        } catch (e) {
          if (e instanceof DurationSyntaxError) fail(e.message);
          throw e;
        }
        return stringVal(formatRfc3339({ ...ts, epochMs: ts.epochMs + Math.trunc(ms) }));
      },
    }),
    legacy_isotime: legacy((format, t) => formatGoTime(t, format)),
    legacy_strftime: legacy((format, t) => strftime(format, t)),
    rfc3339_parse: defineFunction({
      params: [{ name: "timestamp", type: stringType }],
      returnType: { kind: "object", attributes: { ...BROKEN_DOWN_TIME, unix: numberType } },
      impl([t]) {
        let parsed: ZonedTime;
        try {
          parsed = parseRfc3339(text(t));
        } catch {
          // Packer leaves out Go's parse error (it talks about Go's reference time).
          fail(`${JSON.stringify(text(t))} is not a valid RFC3339 timestamp`, 0);
        }
        const o = brokenDownTime(parsed);
        o.set("unix", numberVal(Math.floor(parsed.epochMs / 1000)));
        return objectVal(o);
      },
    }),
    unix_timestamp_parse: defineFunction({
      params: [{ name: "unix_timestamp", type: numberType }],
      returnType: { kind: "object", attributes: { ...BROKEN_DOWN_TIME, rfc3339: stringType } },
      impl([u]) {
        const secs = (u as { value: number }).value;
        if (!Number.isInteger(secs) || Math.abs(secs) > 2 ** 63) {
          fail("unix_timestamp must be a whole number of seconds representable as a 64-bit integer: value must be a whole number, between -9223372036854775808 and 9223372036854775807", 0);
        }
        const t: ZonedTime = { epochMs: secs * 1000, offsetMinutes: 0, utcDesignator: true, nanos: 0 };
        const o = brokenDownTime(t);
        o.set("rfc3339", stringVal(formatRfc3339(t)));
        return objectVal(o);
      },
    }),
  };
}

/** Go's "unknown unit" error, which the shared duration parser words as an invalid duration. */
function checkDurationUnits(d: string): void {
  for (const m of d.replace(/^[-+]/, "").matchAll(/[0-9.]+([^0-9.]*)/g)) {
    const unit = m[1]!;
    if (unit !== "" && !["ns", "us", "µs", "μs", "ms", "s", "m", "h"].includes(unit)) fail(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(d)}`);
  }
}

const BROKEN_DOWN_TIME = {
  year: numberType, year_day: numberType, day: numberType, month: numberType, month_name: stringType, weekday: numberType, weekday_name: stringType,
  hour: numberType, minute: numberType, second: numberType, iso_year: numberType, iso_week: numberType,
};

/** The broken-down wall-clock time Packer's rfc3339_parse and unix_timestamp_parse return. */
function brokenDownTime(t: ZonedTime): Map<string, Value> {
  const w = wallClock(t);
  const startOfYear = Date.UTC(w.getUTCFullYear(), 0, 1);
  const yearDay = Math.floor((w.getTime() - startOfYear) / 86_400_000) + 1;
  // ISO 8601 week: the week holding the year's first Thursday is week 1.
  const thursday = new Date(Date.UTC(w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate() + 3 - ((w.getUTCDay() + 6) % 7)));
  const isoYear = thursday.getUTCFullYear();
  const isoWeek = Math.floor((thursday.getTime() - Date.UTC(isoYear, 0, 1)) / 86_400_000 / 7) + 1;
  return new Map<string, Value>([
    ["year", numberVal(w.getUTCFullYear())],
    ["year_day", numberVal(yearDay)],
    ["day", numberVal(w.getUTCDate())],
    ["month", numberVal(w.getUTCMonth() + 1)],
    ["month_name", stringVal(MONTHS[w.getUTCMonth()]!)],
    ["weekday", numberVal(w.getUTCDay())],
    ["weekday_name", stringVal(WEEKDAYS[w.getUTCDay()]!)],
    ["hour", numberVal(w.getUTCHours())],
    ["minute", numberVal(w.getUTCMinutes())],
    ["second", numberVal(w.getUTCSeconds())],
    ["iso_year", numberVal(isoYear)],
    ["iso_week", numberVal(isoWeek)],
  ]);
}
