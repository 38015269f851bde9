import test from "ava";
import {
  encodeJson,
  fromJson,
  listVal,
  mapVal,
  nullVal,
  numberVal,
  objectType,
  rawEquals,
  stringType,
  stringVal,
  boolVal,
  toJson,
  tupleType,
  tupleVal,
  typeOf,
  unknownVal,
  numberType,
  objectVal,
  dynamicType,
  boolType,
} from "../../../../../shared/template/hcl2/value/index.js";

test("JSON objects become objects and arrays tuples, nested, as cty's implied types", (t) => {
  const v = fromJson({ a: 1, b: [true, null, "x"], c: { d: 1.5 } });
  t.deepEqual(
    typeOf(v),
    objectType({ a: numberType, b: tupleType([boolType, dynamicType, stringType]), c: objectType({ d: numberType }) }),
  );
  t.true(rawEquals(v, objectVal({ a: numberVal(1), b: tupleVal([boolVal(true), nullVal(), stringVal("x")]), c: objectVal({ d: numberVal(1.5) }) })));
});

test("values become plain JSON data with keys in lexical order", (t) => {
  const data = toJson(mapVal({ z: listVal([numberVal(1)]), a: listVal([numberVal(2)]) }));
  t.deepEqual(data, { a: [2], z: [1] });
  t.deepEqual(Object.keys(data as object), ["a", "z"]);
  t.throws(() => toJson(tupleVal([unknownVal()])), { message: "value is not known" });
});

test("encodeJson writes what jsonencode writes: compact, sorted, Go's escaping", (t) => {
  t.is(encodeJson(objectVal({ b: tupleVal([boolVal(true), nullVal()]), a: numberVal(1) })), '{"a":1,"b":[true,null]}');
  t.is(encodeJson(stringVal('<a href="x">&\n')), '"\\u003ca href=\\"x\\"\\u003e\\u0026\\n"');
  t.is(encodeJson(numberVal(1e20)), "100000000000000000000");
  t.is(encodeJson(numberVal(0.5)), "0.5");
});
