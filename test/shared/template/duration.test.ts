import test from "ava";
import { DurationSyntaxError, parseGoDuration } from "../../../shared/template/duration.js";

const error = (text: string): string => {
  try {
    parseGoDuration(text);
    return "";
  } catch (e) {
    if (e instanceof DurationSyntaxError) return e.message;
    throw e;
  }
};

test("durations parse as Go's time.ParseDuration reads them", (t) => {
  t.is(parseGoDuration("1h30m"), 5_400_000);
  t.is(parseGoDuration("1.5s"), 1500);
  t.is(parseGoDuration("-2ms"), -2);
  t.is(parseGoDuration("0"), 0);
});

test("a bad duration gets Go's message: invalid, missing unit, or the unknown unit named", (t) => {
  t.is(error("x"), `time: invalid duration "x"`);
  t.is(error(""), `time: invalid duration ""`);
  t.is(error("5"), `time: missing unit in duration "5"`);
  t.is(error("1m5"), `time: missing unit in duration "1m5"`);
  t.is(error("2 minutes"), `time: unknown unit " minutes" in duration "2 minutes"`);
  t.is(error("10sec"), `time: unknown unit "sec" in duration "10sec"`);
  t.is(error("5m "), `time: unknown unit "m " in duration "5m "`);
  t.is(error("3é"), `time: unknown unit "\\xc3\\xa9" in duration "3\\xc3\\xa9"`);
});
