import test from "ava";
import {
  addNumbers,
  divideNumbers,
  formatGoFloat,
  moduloNumbers,
  multiplyNumbers,
  numberToString,
  parseNumber,
  subtractNumbers,
} from "../../../../../shared/template/hcl2/value/index.js";

test("arithmetic on decimal forms gives cty's results: 0.1 + 0.2 is 0.3", (t) => {
  t.is(addNumbers(0.1, 0.2), 0.3);
  t.is(multiplyNumbers(0.1, 3), 0.3);
  t.is(subtractNumbers(0.3, 0.1), 0.2);
  t.is(divideNumbers(1, 3), 1 / 3);
  t.is(divideNumbers(10, 4), 2.5);
  t.is(divideNumbers(1, 0), Infinity);
  t.is(divideNumbers(-1, 0), -Infinity);
});

test("modulo follows the dividend's sign and handles fractions (-5 % 3 is -2, 5.5 % 2 is 1.5)", (t) => {
  t.is(moduloNumbers(5, 3), 2);
  t.is(moduloNumbers(-5, 3), -2);
  t.is(moduloNumbers(5.5, 2), 1.5);
  t.is(moduloNumbers(5, 0), 5);
});

test("impossible arithmetic fails with cty's messages", (t) => {
  t.throws(() => divideNumbers(0, 0), { message: "can't divide zero by zero or infinity by infinity" });
  t.throws(() => addNumbers(Infinity, -Infinity), { message: "can't compute sum of opposing infinities" });
  t.throws(() => subtractNumbers(Infinity, Infinity), { message: "can't subtract infinity from itself" });
  t.throws(() => multiplyNumbers(0, Infinity), { message: "can't multiply zero by infinity" });
});

test("numbers become strings without exponents, as big.Float Text('f', -1)", (t) => {
  t.is(numberToString(1e20), "100000000000000000000");
  t.is(numberToString(2e-7), "0.0000002");
  t.is(numberToString(1.5), "1.5");
  t.is(numberToString(-42), "-42");
  t.is(numberToString(0.3), "0.3");
  t.is(numberToString(Infinity), "+Inf");
});

test("Go's %g: exponent below 1e-4 and from 1e6, at least two exponent digits", (t) => {
  t.is(formatGoFloat(1e20), "1e+20");
  t.is(formatGoFloat(2e-7), "2e-07");
  t.is(formatGoFloat(0.0001), "0.0001");
  t.is(formatGoFloat(0.00001), "1e-05");
  t.is(formatGoFloat(1234567.5), "1.2345675e+06");
  t.is(formatGoFloat(123456.5), "123456.5");
  t.is(formatGoFloat(1 / 3), "0.3333333333333333");
  t.is(formatGoFloat(12345678901234567890), "1.2345678901234567e+19");
  t.is(formatGoFloat(Infinity), "+Inf");
});

test("strings parse as numbers the way big.ParseFloat reads them", (t) => {
  t.is(parseNumber("12"), 12);
  t.is(parseNumber("-1.5e3"), -1500);
  t.is(parseNumber(".5"), 0.5);
  t.is(parseNumber("+7"), 7);
  t.is(parseNumber("Inf"), Infinity);
  t.is(parseNumber(" 1"), undefined);
  t.is(parseNumber("1x"), undefined);
  t.is(parseNumber(""), undefined);
  t.is(parseNumber("0x10"), undefined);
});
