import test from "ava";
import {
  boolVal,
  formatValueForConsole,
  listVal,
  mapVal,
  nullVal,
  numberVal,
  objectVal,
  stringVal,
  tupleVal,
  unknownVal,
  stringType,
} from "../../../../../shared/template/hcl2/value/index.js";

// Expected strings were printed by `packer console` 1.6.6 (see ../../../../shared/compat/interpolation.json hcl2_console).

test("strings print raw at the top level, quoted inside collections", (t) => {
  t.is(formatValueForConsole(stringVal("a\nb")), "a\nb");
  t.is(formatValueForConsole(listVal([stringVal("a"), stringVal("b")])), '[\n  "a",\n  "b",\n]');
  t.is(formatValueForConsole(tupleVal([stringVal('a"b\tc')])), '[\n  "a\\"b\\tc",\n]');
});

test("objects and maps print sorted, with null attributes left out", (t) => {
  t.is(formatValueForConsole(objectVal({ owner: stringVal("corpus"), env: stringVal("test") })), '{\n  "env" = "test"\n  "owner" = "corpus"\n}');
  t.is(formatValueForConsole(objectVal({ b: objectVal({ c: tupleVal([numberVal(1)]) }), a: nullVal() })), '{\n  "b" = {\n    "c" = [\n      1,\n    ]\n  }\n}');
  t.is(formatValueForConsole(tupleVal([objectVal({ a: nullVal() })])), "[\n  {},\n]");
  t.is(formatValueForConsole(mapVal({}, stringType)), "{}");
});

test("nested values print indented with trailing commas in lists", (t) => {
  t.is(
    formatValueForConsole(tupleVal([numberVal(1), tupleVal([numberVal(2), stringVal("a")]), objectVal({ a: numberVal(1) })])),
    '[\n  1,\n  [\n    2,\n    "a",\n  ],\n  {\n    "a" = 1\n  },\n]',
  );
  t.is(formatValueForConsole(tupleVal([nullVal()])), "[\n  null,\n]");
  t.is(formatValueForConsole(tupleVal([])), "[]");
  t.is(formatValueForConsole(objectVal({ a: tupleVal([]) })), '{\n  "a" = []\n}');
});

test("numbers: integers as ints, others as Go's %g", (t) => {
  t.is(formatValueForConsole(numberVal(1.5)), "1.5");
  t.is(formatValueForConsole(numberVal(1e20)), "1e+20");
  t.is(formatValueForConsole(numberVal(0.3)), "0.3");
  t.is(formatValueForConsole(numberVal(1000000)), "1000000");
  t.is(formatValueForConsole(numberVal(2e-7)), "2e-07");
  t.is(formatValueForConsole(numberVal(1 / 3)), "0.3333333333333333");
  t.is(formatValueForConsole(numberVal(12345678901234567890)), "1.2345678901234567e+19");
  t.is(formatValueForConsole(numberVal(Infinity)), "+Inf");
  t.is(formatValueForConsole(numberVal(-0)), "0");
});

test("null, bools and unknowns", (t) => {
  t.is(formatValueForConsole(nullVal()), "null");
  t.is(formatValueForConsole(boolVal(true)), "true");
  t.is(formatValueForConsole(boolVal(false)), "false");
  t.is(formatValueForConsole(unknownVal()), "<unknown>");
  t.is(formatValueForConsole(tupleVal([stringVal("a"), unknownVal()])), "<unknown>");
});
