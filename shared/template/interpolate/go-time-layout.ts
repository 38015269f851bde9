// Go's time.Format with reference-time layouts ("2006-01-02T15:04:05Z07:00"), as Go 1.15
// recognises them. Kiln formats in UTC only, as Packer's isotime does.

export const RFC3339 = "2006-01-02T15:04:05Z07:00";

const LONG_MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const LONG_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

type Chunk =
  | "longMonth"
  | "month"
  | "numMonth"
  | "zeroMonth"
  | "longWeekDay"
  | "weekDay"
  | "day"
  | "underDay"
  | "zeroDay"
  | "hour"
  | "hour12"
  | "zeroHour12"
  | "minute"
  | "zeroMinute"
  | "second"
  | "zeroSecond"
  | "longYear"
  | "year"
  | "PM"
  | "pm"
  | "tz"
  | "iso8601TZ" // Z0700
  | "iso8601SecondsTZ" // Z070000
  | "iso8601ShortTZ" // Z07
  | "iso8601ColonTZ" // Z07:00
  | "iso8601ColonSecondsTZ" // Z07:00:00
  | "numTZ" // -0700
  | "numSecondsTz" // -070000
  | "numShortTZ" // -07
  | "numColonTZ" // -07:00
  | "numColonSecondsTZ" // -07:00:00
  | { frac: "0" | "9"; digits: number };

interface Token {
  literal: string;
  chunk?: Chunk;
}

function startsWithLowerCase(s: string): boolean {
  return s.length > 0 && s[0] >= "a" && s[0] <= "z";
}

function isDigit(s: string, i: number): boolean {
  return i < s.length && s[i] >= "0" && s[i] <= "9";
}

const ZERO_CHUNKS: Chunk[] = ["zeroMonth", "zeroDay", "zeroHour12", "zeroMinute", "zeroSecond", "year"];

/** Finds the first layout element in `layout` (Go's nextStdChunk). */
function nextChunk(layout: string): { prefix: string; chunk?: Chunk; suffix: string } {
  for (let i = 0; i < layout.length; i++) {
    const rest = layout.slice(i);
    const found = (chunk: Chunk, length: number) => ({ prefix: layout.slice(0, i), chunk, suffix: layout.slice(i + length) });
    switch (layout[i]) {
      case "J":
        if (rest.startsWith("Jan")) {
          if (rest.startsWith("January")) return found("longMonth", 7);
          if (!startsWithLowerCase(rest.slice(3))) return found("month", 3);
        }
        break;
      case "M":
        if (rest.startsWith("Mon")) {
          if (rest.startsWith("Monday")) return found("longWeekDay", 6);
          if (!startsWithLowerCase(rest.slice(3))) return found("weekDay", 3);
        }
        if (rest.startsWith("MST")) return found("tz", 3);
        break;
      case "0":
        if (rest.length >= 2 && rest[1] >= "1" && rest[1] <= "6") return found(ZERO_CHUNKS[Number(rest[1]) - 1], 2);
        break;
      case "1":
        if (rest.startsWith("15")) return found("hour", 2);
        return found("numMonth", 1);
      case "2":
        if (rest.startsWith("2006")) return found("longYear", 4);
        return found("day", 1);
      case "_":
        if (rest.length >= 2 && rest[1] === "2") {
          // "_2006" is a literal underscore followed by a long year.
          if (rest.startsWith("_2006")) return { prefix: layout.slice(0, i + 1), chunk: "longYear", suffix: layout.slice(i + 5) };
          return found("underDay", 2);
        }
        break;
      case "3":
        return found("hour12", 1);
      case "4":
        return found("minute", 1);
      case "5":
        return found("second", 1);
      case "P":
        if (rest.startsWith("PM")) return found("PM", 2);
        break;
      case "p":
        if (rest.startsWith("pm")) return found("pm", 2);
        break;
      case "-":
        if (rest.startsWith("-070000")) return found("numSecondsTz", 7);
        if (rest.startsWith("-07:00:00")) return found("numColonSecondsTZ", 9);
        if (rest.startsWith("-0700")) return found("numTZ", 5);
        if (rest.startsWith("-07:00")) return found("numColonTZ", 6);
        if (rest.startsWith("-07")) return found("numShortTZ", 3);
        break;
      case "Z":
        if (rest.startsWith("Z070000")) return found("iso8601SecondsTZ", 7);
        if (rest.startsWith("Z07:00:00")) return found("iso8601ColonSecondsTZ", 9);
        if (rest.startsWith("Z0700")) return found("iso8601TZ", 5);
        if (rest.startsWith("Z07:00")) return found("iso8601ColonTZ", 6);
        if (rest.startsWith("Z07")) return found("iso8601ShortTZ", 3);
        break;
      case ".":
        // ".000" or ".999": fractional seconds, only when the run of digits ends there.
        if (rest.length >= 2 && (rest[1] === "0" || rest[1] === "9")) {
          const digit = rest[1];
          let j = 1;
          while (j < rest.length && rest[j] === digit) j++;
          if (!isDigit(rest, j)) return found({ frac: digit as "0" | "9", digits: j - 1 }, j);
        }
        break;
    }
  }
  return { prefix: layout, suffix: "" };
}

function tokenize(layout: string): Token[] {
  const tokens: Token[] = [];
  let rest = layout;
  while (rest.length > 0) {
    const { prefix, chunk, suffix } = nextChunk(rest);
    tokens.push({ literal: prefix, chunk });
    rest = suffix;
  }
  return tokens;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

function formatChunk(chunk: Chunk, t: Date): string {
  const year = t.getUTCFullYear();
  const month = t.getUTCMonth();
  const day = t.getUTCDate();
  const hour = t.getUTCHours();
  const minute = t.getUTCMinutes();
  const second = t.getUTCSeconds();
  if (typeof chunk === "object") {
    // JavaScript dates carry milliseconds; the finer digits are zero.
    const nanos = pad(t.getUTCMilliseconds(), 3) + "000000";
    const digits = nanos.slice(0, Math.min(chunk.digits, 9));
    if (chunk.frac === "0") return "." + digits;
    const trimmed = digits.replace(/0+$/, "");
    return trimmed === "" ? "" : "." + trimmed;
  }
  switch (chunk) {
    case "year":
      return pad(((year % 100) + 100) % 100, 2);
    case "longYear":
      return pad(year, 4);
    case "month":
      return LONG_MONTHS[month].slice(0, 3);
    case "longMonth":
      return LONG_MONTHS[month];
    case "numMonth":
      return String(month + 1);
    case "zeroMonth":
      return pad(month + 1, 2);
    case "weekDay":
      return LONG_DAYS[t.getUTCDay()].slice(0, 3);
    case "longWeekDay":
      return LONG_DAYS[t.getUTCDay()];
    case "day":
      return String(day);
    case "underDay":
      return day < 10 ? ` ${day}` : String(day);
    case "zeroDay":
      return pad(day, 2);
    case "hour":
      return pad(hour, 2);
    case "hour12":
      return String(hour % 12 === 0 ? 12 : hour % 12);
    case "zeroHour12":
      return pad(hour % 12 === 0 ? 12 : hour % 12, 2);
    case "minute":
      return String(minute);
    case "zeroMinute":
      return pad(minute, 2);
    case "second":
      return String(second);
    case "zeroSecond":
      return pad(second, 2);
    case "PM":
      return hour >= 12 ? "PM" : "AM";
    case "pm":
      return hour >= 12 ? "pm" : "am";
    case "tz":
      return "UTC";
    // UTC: the ISO 8601 forms print "Z", the numeric forms a zero offset.
    case "iso8601TZ":
    case "iso8601SecondsTZ":
    case "iso8601ShortTZ":
    case "iso8601ColonTZ":
    case "iso8601ColonSecondsTZ":
      return "Z";
    case "numTZ":
      return "+0000";
    case "numSecondsTz":
      return "+000000";
    case "numShortTZ":
      return "+00";
    case "numColonTZ":
      return "+00:00";
    case "numColonSecondsTZ":
      return "+00:00:00";
  }
}

/** time.Time.Format(layout) of `date` in UTC. */
export function formatGoTime(date: Date, layout: string): string {
  return tokenize(layout)
    .map((token) => token.literal + (token.chunk === undefined ? "" : formatChunk(token.chunk, date)))
    .join("");
}
