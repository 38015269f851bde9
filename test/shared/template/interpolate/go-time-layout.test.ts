import test from "ava";
import { formatGoTime, strftime } from "../../../../shared/template/interpolate/index.js";

// A Saturday morning with milliseconds, so every element has something to show.
const T = new Date("2026-03-07T09:05:03.045Z");

const layouts: [string, string][] = [
  ["2006-01-02T15:04:05Z07:00", "2026-03-07T09:05:03Z"], // RFC3339, isotime's default
  ["Mon Jan _2 15:04:05 2006", "Sat Mar  7 09:05:03 2026"], // ANSIC
  ["Monday, 02-Jan-06 15:04:05 MST", "Saturday, 07-Mar-26 09:05:03 UTC"], // RFC850
  ["02 Jan 06 15:04 -0700", "07 Mar 26 09:05 +0000"], // RFC822Z
  ["3:04PM", "9:05AM"], // Kitchen
  ["03:04:05 pm", "09:05:03 am"],
  ["January 2, 2006", "March 7, 2026"],
  ["1/2/06", "3/7/26"],
  ["2006-01-02 3:4:5", "2026-03-07 9:5:3"],
  ["15:04:05.000", "09:05:03.045"],
  ["15:04:05.000000", "09:05:03.045000"],
  ["05.999", "03.045"],
  ["05.9", "03"], // trailing-zero fractions vanish with 9s
  [".0", ".0"],
  ["Z0700 Z07:00 Z07", "Z Z Z"], // ISO 8601 zones print Z for UTC
  ["-0700 -07:00 -07 -070000 -07:00:00", "+0000 +00:00 +00 +000000 +00:00:00"],
  ["Jane Month", "Jane Month"], // "Jan"/"Mon" followed by a lower-case letter are text
  ["_2006", "_2026"], // a literal underscore before a long year
  ["02-Jan-06 03_04_05", "07-Mar-26 09_05_03"], // Packer's documentation example: 2-digit year
  ["no layout here", "no layout here"],
];

for (const [layout, expected] of layouts) {
  test(`formatGoTime ${JSON.stringify(layout)}`, (t) => {
    t.is(formatGoTime(T, layout), expected);
  });
}

test("formatGoTime pads years and handles midnight and noon on the 12-hour clock", (t) => {
  t.is(formatGoTime(new Date("0987-12-31T00:00:00Z"), "2006 06 3PM 03"), "0987 87 12AM 12");
  t.is(formatGoTime(new Date("2026-06-15T12:30:00Z"), "3:04 PM Mon"), "12:30 PM Mon");
});

test("strftime maps directives to Go layouts and copies everything else", (t) => {
  t.is(strftime("%Y-%m-%d %H:%M:%S%L", T), "2026-03-07 09:05:03.045");
  t.is(strftime("%a %A %b %B %y %I %p %Z %z", T), "Sat Saturday Mar March 26 09 AM UTC +0000");
  // Text between directives is never read as a Go layout.
  t.is(strftime("aaabbb0123456789%Y", T), "aaabbb01234567892026");
  // Unknown directives are kept, "%%" is a percent sign, a trailing "%" stays.
  t.is(strftime("%0%1%%%2", T), "%0%1%%2");
  t.is(strftime("100%", T), "100%");
});
