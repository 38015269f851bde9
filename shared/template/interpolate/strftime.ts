// strftime as Packer's `{{strftime}}` knows it (the jehiah/go-strftime library): each
// directive maps to a Go layout element, text between directives is copied, "%%" is "%", and
// unknown directives are copied as they are.
import { formatGoTime } from "./go-time-layout.js";

const DIRECTIVES: Readonly<Record<string, string>> = {
  B: "January",
  b: "Jan",
  m: "01",
  A: "Monday",
  a: "Mon",
  d: "02",
  H: "15",
  I: "03",
  M: "04",
  S: "05",
  Y: "2006",
  y: "06",
  p: "PM",
  Z: "MST",
  z: "-0700",
  L: ".000", // milliseconds, as in Ruby
};

/** Formats `date` (UTC) with strftime directives. */
export function strftime(format: string, date: Date): string {
  let out = "";
  let i = 0;
  while (i < format.length) {
    const percent = format.indexOf("%", i);
    if (percent < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, percent);
    if (percent + 1 >= format.length) {
      out += "%";
      break;
    }
    const directive = format[percent + 1];
    if (directive === "%") out += "%";
    else if (directive in DIRECTIVES) out += formatGoTime(date, DIRECTIVES[directive]);
    else out += "%" + directive;
    i = percent + 2;
  }
  return out;
}
