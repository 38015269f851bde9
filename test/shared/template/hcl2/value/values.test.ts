import test from "ava";
import {
  boolType,
  dynamicType,
  elementsOf,
  isWhollyKnown,
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
  sortedEntries,
  stringType,
  stringVal,
  tupleType,
  tupleVal,
  typeConstraintString,
  typeEquals,
  typeOf,
  typeString,
  typeStringForConstraint,
  unknownVal,
  valueEquals,
  boolVal,
} from "../../../../../shared/template/hcl2/value/index.js";
import type { Value } from "../../../../../shared/template/hcl2/contract.js";

test("typeOf gives collections their element type and structural values their member types", (t) => {
  t.deepEqual(typeOf(listVal([stringVal("a")])), listType(stringType));
  t.deepEqual(typeOf(listVal([], numberType)), listType(numberType));
  t.deepEqual(typeOf(tupleVal([stringVal("a"), numberVal(1)])), tupleType([stringType, numberType]));
  t.deepEqual(typeOf(objectVal({ a: boolVal(true) })), objectType({ a: boolType }));
  t.deepEqual(typeOf(nullVal(mapType(stringType))), mapType(stringType));
  t.deepEqual(typeOf(unknownVal()), dynamicType);
});

test("collection constructors refuse elements of another type", (t) => {
  t.throws(() => listVal([stringVal("a"), numberVal(1)]), { message: /inconsistent list element types \(string then number\)/ });
  t.throws(() => mapVal({ a: stringVal("a"), b: boolVal(true) }), { message: /inconsistent map element types/ });
});

test("type equality is structural, and optional markers count", (t) => {
  t.true(typeEquals(objectType({ a: stringType, b: listType(numberType) }), objectType({ b: listType(numberType), a: stringType })));
  t.false(typeEquals(objectType({ a: stringType }), objectType({ a: stringType }, ["a"])));
  t.false(typeEquals(listType(stringType), setType(stringType)));
  t.false(typeEquals(tupleType([stringType]), tupleType([stringType, stringType])));
});

test("typeString prints cty's friendly names; typeConstraintString prints HCL's type syntax", (t) => {
  t.is(typeString(stringType), "string");
  t.is(typeString(listType(stringType)), "list of string");
  t.is(typeString(mapType(numberType)), "map of number");
  t.is(typeString(setType(listType(boolType))), "set of list of bool");
  t.is(typeString(objectType({ a: stringType })), "object");
  t.is(typeString(tupleType([])), "tuple");
  t.is(typeString(dynamicType), "dynamic");
  t.is(typeStringForConstraint(listType(dynamicType)), "list of any type");
  t.is(typeConstraintString(mapType(objectType({ b: numberType, a: stringType }, ["b"]))), "map(object({a=string,b=optional(number)}))");
  t.is(typeConstraintString(tupleType([stringType, dynamicType])), "tuple([string,any])");
});

test("sets drop duplicates and order strings lexically and numbers by value", (t) => {
  const s = setVal([stringVal("b"), stringVal("a"), stringVal("b")]);
  t.deepEqual(
    (s as { items: Value[] }).items.map((v) => (v as { value: string }).value),
    ["a", "b"],
  );
  const n = setVal([numberVal(10), numberVal(2), numberVal(10)]);
  t.deepEqual(
    (n as { items: Value[] }).items.map((v) => (v as { value: number }).value),
    [2, 10],
  );
});

test("map and object keys iterate in lexical order whatever the insertion order", (t) => {
  const o = objectVal({ owner: stringVal("x"), env: stringVal("y"), Z: stringVal("z") });
  t.deepEqual(
    sortedEntries(o as Extract<Value, { kind: "object" }>).map(([k]) => k),
    ["Z", "env", "owner"],
  );
  t.deepEqual(
    elementsOf(o).map(([k]) => (k as { value: string }).value),
    ["Z", "env", "owner"],
  );
  t.deepEqual(
    elementsOf(tupleVal([stringVal("a"), stringVal("b")])).map(([k]) => (k as { value: number }).value),
    [0, 1],
  );
});

test("strings are normalised to NFC so composed and decomposed forms are equal", (t) => {
  t.true(rawEquals(stringVal("e\u0301"), stringVal("\u00e9")));
});

test("== across types is false, two nulls are equal, unknowns make unknown", (t) => {
  t.true(rawEquals(valueEquals(numberVal(1), stringVal("1")), boolVal(false)));
  t.true(rawEquals(valueEquals(stringVal("a"), stringVal("a")), boolVal(true)));
  t.true(rawEquals(valueEquals(nullVal(), nullVal(stringType)), boolVal(true)));
  t.true(rawEquals(valueEquals(nullVal(), stringVal("a")), boolVal(false)));
  t.true(rawEquals(valueEquals(unknownVal(stringType), stringVal("a")), unknownVal(boolType)));
  // A known value of another type than the unknown's can never be equal.
  t.true(rawEquals(valueEquals(unknownVal(stringType), numberVal(1)), boolVal(false)));
  t.true(rawEquals(valueEquals(tupleVal([numberVal(1), stringVal("a")]), tupleVal([numberVal(1), stringVal("a")])), boolVal(true)));
  t.true(rawEquals(valueEquals(listVal([numberVal(1)]), listVal([numberVal(2)])), boolVal(false)));
  t.true(rawEquals(valueEquals(listVal([unknownVal(numberType)]), listVal([numberVal(2)])), unknownVal(boolType)));
  // Packer prints <unknown> for [null] == [null]: cty cannot compare types holding `any`.
  t.true(rawEquals(valueEquals(tupleVal([nullVal()]), tupleVal([nullVal()])), unknownVal(boolType)));
  t.true(rawEquals(valueEquals(mapVal({ a: numberVal(1) }), mapVal({ a: numberVal(1) })), boolVal(true)));
  t.true(rawEquals(valueEquals(setVal([numberVal(1), numberVal(2)]), setVal([numberVal(2), numberVal(1)])), boolVal(true)));
});

test("isWhollyKnown looks inside collections", (t) => {
  t.true(isWhollyKnown(objectVal({ a: listVal([stringVal("x")]) })));
  t.false(isWhollyKnown(objectVal({ a: tupleVal([unknownVal()]) })));
});
