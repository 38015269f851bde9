import test from "ava";
import {
  boolType,
  boolVal,
  canConvert,
  ConversionError,
  convert,
  dynamicType,
  listType,
  listVal,
  mapType,
  mapVal,
  nullVal,
  numberType,
  numberVal,
  objectType,
  objectVal,
  rawEquals,
  setType,
  setVal,
  stringType,
  stringVal,
  tupleType,
  tupleVal,
  typeOf,
  unify,
  unknownVal,
} from "../../../../../shared/template/hcl2/value/index.js";
import type { HclType, Value } from "../../../../../shared/template/hcl2/contract.js";

function assertConverts(t: import("ava").ExecutionContext, v: Value, to: HclType, expected: Value) {
  const got = convert(v, to);
  t.true(rawEquals(got, expected), `got ${JSON.stringify(got, mapReplacer)} want ${JSON.stringify(expected, mapReplacer)}`);
}

function mapReplacer(_k: string, v: unknown) {
  return v instanceof Map ? Object.fromEntries(v) : v;
}

function conversionError(t: import("ava").ExecutionContext, v: Value, to: HclType): ConversionError {
  const e = t.throws(() => convert(v, to), { instanceOf: ConversionError });
  return e!;
}

test("primitives: numbers and bools become strings, strings become numbers and bools when they look like them", (t) => {
  assertConverts(t, numberVal(1.5), stringType, stringVal("1.5"));
  assertConverts(t, numberVal(1e20), stringType, stringVal("100000000000000000000"));
  assertConverts(t, boolVal(true), stringType, stringVal("true"));
  assertConverts(t, stringVal("42"), numberType, numberVal(42));
  assertConverts(t, stringVal("true"), boolType, boolVal(true));
  assertConverts(t, stringVal("0"), boolType, boolVal(false));
});

test("primitive conversion failures use cty's messages", (t) => {
  t.is(conversionError(t, stringVal("abc"), numberType).message, "a number is required");
  t.is(conversionError(t, stringVal("yes"), boolType).message, "a bool is required");
  t.is(conversionError(t, stringVal("True"), boolType).message, 'a bool is required; to convert from string, use lowercase "true"');
  t.is(conversionError(t, numberVal(1), boolType).message, "bool required");
  t.is(conversionError(t, listVal([stringVal("a")]), stringType).message, "string required");
  t.is(conversionError(t, tupleVal([]), numberType).message, "number required");
});

test("null and unknown convert to null and unknown of the wanted type", (t) => {
  assertConverts(t, nullVal(), stringType, nullVal(stringType));
  assertConverts(t, unknownVal(), listType(stringType), unknownVal(listType(stringType)));
  assertConverts(t, unknownVal(numberType), stringType, unknownVal(stringType));
  assertConverts(t, stringVal("x"), dynamicType, stringVal("x"));
});

test("tuples become lists and sets; list(any) unifies the element types (string wins)", (t) => {
  assertConverts(t, tupleVal([stringVal("a"), numberVal(1)]), listType(stringType), listVal([stringVal("a"), stringVal("1")]));
  assertConverts(t, tupleVal([numberVal(1), stringVal("a")]), listType(dynamicType), listVal([stringVal("1"), stringVal("a")]));
  assertConverts(t, tupleVal([numberVal(1), numberVal(2)]), listType(dynamicType), listVal([numberVal(1), numberVal(2)]));
  assertConverts(t, tupleVal([stringVal("b"), stringVal("a"), stringVal("b")]), setType(stringType), setVal([stringVal("a"), stringVal("b")]));
  assertConverts(t, tupleVal([]), listType(stringType), listVal([], stringType));
  assertConverts(t, tupleVal([nullVal(), stringVal("a")]), listType(stringType), listVal([nullVal(stringType), stringVal("a")]));
});

test("list(list(any)) unifies nested element types too", (t) => {
  const got = convert(tupleVal([tupleVal([numberVal(1)]), tupleVal([stringVal("a")])]), listType(listType(dynamicType)));
  t.deepEqual(typeOf(got), listType(listType(stringType)));
});

test("objects become maps; map(any) unifies attribute types", (t) => {
  assertConverts(t, objectVal({ a: stringVal("x"), b: numberVal(2) }), mapType(stringType), mapVal({ a: stringVal("x"), b: stringVal("2") }));
  assertConverts(t, objectVal({ a: boolVal(true), b: stringVal("x") }), mapType(dynamicType), mapVal({ a: stringVal("true"), b: stringVal("x") }));
  assertConverts(t, objectVal({}), mapType(numberType), mapVal({}, numberType));
});

test("mixed elements that share no type are refused with 'all … elements must have the same type'", (t) => {
  t.is(conversionError(t, tupleVal([listVal([stringVal("a")]), stringVal("b")]), listType(dynamicType)).message, "all list elements must have the same type");
  t.is(conversionError(t, objectVal({ a: listVal([stringVal("a")]), b: stringVal("b") }), mapType(dynamicType)).message, "all map elements must have the same type");
  t.is(conversionError(t, tupleVal([listVal([stringVal("a")]), boolVal(true)]), setType(dynamicType)).message, "all set elements must have the same type");
});

test("element errors name the element", (t) => {
  t.is(conversionError(t, tupleVal([stringVal("a"), tupleVal([])]), listType(stringType)).message, "element 1: string required");
  t.is(conversionError(t, objectVal({ a: stringVal("x"), b: tupleVal([]) }), mapType(stringType)).message, 'element "b": string required');
  t.is(conversionError(t, listVal([tupleVal([])]), listType(stringType)).message, "incorrect list element type: string required");
  t.is(conversionError(t, stringVal("x"), listType(stringType)).message, "list of string required");
  t.is(conversionError(t, stringVal("x"), mapType(dynamicType)).message, "map of any type required");
});

test("a value error deep inside says what was wanted and keeps the path", (t) => {
  const e = conversionError(t, tupleVal([stringVal("1"), stringVal("x")]), listType(numberType));
  t.is(e.message, "a number is required");
  t.deepEqual(e.path, [{ index: 1 }]);
});

test("object to object keeps the wanted attributes, converts them, and drops the rest", (t) => {
  assertConverts(t, objectVal({ a: numberVal(1), extra: boolVal(true) }), objectType({ a: stringType }), objectVal({ a: stringVal("1") }));
});

test("missing attributes: required ones fail, optional ones become null", (t) => {
  t.is(conversionError(t, objectVal({ b: numberVal(1) }), objectType({ a: stringType, b: numberType })).message, 'attribute "a" is required');
  t.is(conversionError(t, objectVal({}), objectType({ a: stringType, b: numberType })).message, 'attributes "a" and "b" are required');
  t.is(conversionError(t, objectVal({}), objectType({ c: stringType, a: stringType, b: numberType })).message, 'attributes "a", "b", and "c" are required');
  t.is(conversionError(t, objectVal({ a: tupleVal([]) }), objectType({ a: stringType })).message, 'attribute "a": string required');
  assertConverts(t, objectVal({ a: stringVal("x") }), objectType({ a: stringType, b: numberType }, ["b"]), objectVal({ a: stringVal("x"), b: nullVal(numberType) }));
  assertConverts(
    t,
    tupleVal([objectVal({ a: stringVal("x") }), objectVal({ a: stringVal("y"), b: numberVal(2) })]),
    listType(objectType({ a: stringType, b: numberType }, ["b"])),
    listVal([objectVal({ a: stringVal("x"), b: nullVal(numberType) }), objectVal({ a: stringVal("y"), b: numberVal(2) })]),
  );
});

test("maps become objects (unsafely) and missing keys are required", (t) => {
  assertConverts(t, mapVal({ a: stringVal("1"), z: stringVal("2") }), objectType({ a: numberType }), objectVal({ a: numberVal(1) }));
  t.is(conversionError(t, mapVal({ z: stringVal("2") }), objectType({ a: numberType })).message, 'attribute "a" is required');
  t.false(canConvert(mapType(stringType), objectType({ a: stringType }), true));
  t.true(canConvert(mapType(stringType), objectType({ a: stringType })));
});

test("safe conversions exclude the ones that can fail", (t) => {
  t.true(canConvert(numberType, stringType, true));
  t.false(canConvert(stringType, numberType, true));
  t.true(canConvert(stringType, numberType));
  t.false(canConvert(listType(stringType), setType(stringType), true));
  t.true(canConvert(setType(stringType), listType(stringType), true));
  t.false(canConvert(numberType, boolType));
});

test("tuple to tuple converts element-wise and needs the same length", (t) => {
  assertConverts(t, tupleVal([numberVal(1), boolVal(false)]), tupleType([stringType, stringType]), tupleVal([stringVal("1"), stringVal("false")]));
  t.is(conversionError(t, tupleVal([numberVal(1)]), tupleType([stringType, stringType])).message, "tuple required");
});

test("unify finds the most general type or nothing", (t) => {
  t.deepEqual(unify([numberType, stringType]), stringType);
  t.is(unify([numberType, boolType]), undefined);
  t.deepEqual(unify([objectType({ a: stringType }), objectType({ a: numberType })]), objectType({ a: stringType }));
  t.deepEqual(unify([objectType({ a: stringType }), objectType({ b: numberType })]), mapType(stringType));
  t.deepEqual(unify([tupleType([stringType]), tupleType([numberType, numberType])]), listType(stringType));
  t.deepEqual(unify([stringType, dynamicType]), stringType);
  t.is(unify([objectType({}), tupleType([])]), undefined);
});
