import test from "ava";
import {
  boolType,
  dynamicType,
  listType,
  mapType,
  numberType,
  objectType,
  parseTypeConstraint,
  setType,
  stringType,
  tupleType,
} from "../../../../../shared/template/hcl2/value/index.js";
import { call, num, obj, ref, str, tuple } from "../ast-builder.js";

test("keywords and constructors read as types", (t) => {
  t.deepEqual(parseTypeConstraint(ref("string")), { type: stringType, diagnostics: [] });
  t.deepEqual(parseTypeConstraint(ref("number")).type, numberType);
  t.deepEqual(parseTypeConstraint(ref("bool")).type, boolType);
  t.deepEqual(parseTypeConstraint(ref("any")).type, dynamicType);
  t.deepEqual(parseTypeConstraint(call("list", [ref("string")])).type, listType(stringType));
  t.deepEqual(parseTypeConstraint(call("set", [ref("number")])).type, setType(numberType));
  t.deepEqual(parseTypeConstraint(call("map", [call("list", [ref("any")])])).type, mapType(listType(dynamicType)));
  t.deepEqual(parseTypeConstraint(call("tuple", [tuple(ref("string"), ref("bool"))])).type, tupleType([stringType, boolType]));
});

test("object types with optional attributes", (t) => {
  const r = parseTypeConstraint(call("object", [obj(["name", ref("string")], ["size", call("optional", [ref("number")])])]));
  t.deepEqual(r.diagnostics, []);
  t.deepEqual(r.type, objectType({ name: stringType, size: numberType }, ["size"]));
});

test("legacy bare list and map mean list(any) and map(any)", (t) => {
  t.deepEqual(parseTypeConstraint(ref("list")).type, listType(dynamicType));
  t.deepEqual(parseTypeConstraint(ref("map")).type, mapType(dynamicType));
});

test("exact mode (Packer 1.6.6's typeexpr.Type) refuses any, bare list and optional", (t) => {
  const anyExpr = ref("any");
  const a = parseTypeConstraint(anyExpr, { exact: true });
  t.is(a.diagnostics[0].summary, "Invalid type specification");
  t.is(a.diagnostics[0].detail, 'The keyword "any" cannot be used in this type specification: an exact type is required.');
  t.deepEqual(a.diagnostics[0].subject, anyExpr.range);
  t.is(parseTypeConstraint(ref("list"), { exact: true }).diagnostics[0].detail, "The list type constructor requires one argument specifying the element type.");
  const o = parseTypeConstraint(call("object", [obj(["a", call("optional", [ref("string")])])]), { exact: true });
  t.is(o.diagnostics[0].detail, 'Keyword "optional" is valid only as a modifier for object type attributes.');
});

test("bad type expressions get typeexpr's diagnostics", (t) => {
  const detail = (e: Parameters<typeof parseTypeConstraint>[0]) => parseTypeConstraint(e).diagnostics.map((d) => d.detail);
  t.deepEqual(detail(ref("strin")), ['The keyword "strin" is not a valid type specification.']);
  t.deepEqual(detail(ref("set")), ["The set type constructor requires one argument specifying the element type."]);
  t.deepEqual(detail(ref("object")), ["The object type constructor requires one argument specifying the attribute types and values as a map."]);
  t.deepEqual(detail(str("string")), [
    "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).",
  ]);
  t.deepEqual(detail(call("string", [])), ['Primitive type keyword "string" does not expect arguments.']);
  t.deepEqual(detail(call("list", [ref("string"), ref("number")])), ["The list type constructor requires one argument specifying the element type."]);
  t.deepEqual(detail(call("tuple", [ref("string")])), ["Tuple type constructor requires a list of element types."]);
  t.deepEqual(detail(call("object", [tuple()])), [
    "Object type constructor requires a map whose keys are attribute names and whose values are the corresponding attribute types.",
  ]);
  t.deepEqual(detail(call("object", [obj([str("a"), ref("string")])])), ["Object constructor map keys must be attribute names."]);
  t.deepEqual(detail(call("frob", [ref("string")])), ['Keyword "frob" is not a valid type constructor.']);
  t.deepEqual(detail(call("list", [num(1)])), [
    "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).",
  ]);
  t.deepEqual(detail(ref("optional")), ['Keyword "optional" is valid only as a modifier for object type attributes.']);
});
