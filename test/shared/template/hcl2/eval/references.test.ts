import test from "ava";
import { referenceName, variablesReferenced } from "../../../../../shared/template/hcl2/eval/index.js";
import * as b from "../ast-builder.js";

const names = (e: Parameters<typeof variablesReferenced>[0]) => variablesReferenced(e).map(referenceName);

test("references are the root name and first attribute, wherever they sit", (t) => {
  t.deepEqual(names(b.template(b.tInterp(b.ref("var", "x")), b.tLit("-"), b.tInterp(b.ref("local", "y", "z", 0)))), ["var.x", "local.y"]);
  t.deepEqual(names(b.call("join", [b.str(","), b.ref("local", "list")])), ["local.list"]);
  t.deepEqual(names(b.cond(b.ref("var", "a"), b.ref("local", "b"), b.index(b.ref("local", "c"), b.ref("var", "d")))), ["var.a", "local.b", "local.c", "var.d"]);
  t.deepEqual(names(b.ref("path")), ["path"]);
  t.deepEqual(names(b.ref("local", { key: "x" })), ["local.x"]);
  t.deepEqual(names(b.splat(b.ref("local", "items"), b.rel(b.splatItem(), "id"))), ["local.items"]);
  t.deepEqual(names(b.bin(b.neg(b.ref("var", "n")), "+", b.parens(b.ref("local", "m")))), ["var.n", "local.m"]);
});

test("for-expression symbols are not references, but the collection and outer names are", (t) => {
  const e = b.forObject("v", b.ref("local", "tags"), b.ref("k"), b.template(b.tInterp(b.ref("v")), b.tInterp(b.ref("var", "suffix"))), {
    keyVar: "k",
    condition: b.bin(b.ref("v"), "!=", b.ref("local", "skip")),
  });
  t.deepEqual(names(e), ["local.tags", "var.suffix", "local.skip"]);
  const tpl = b.template(b.tFor("z", b.ref("var", "zones"), [b.tInterp(b.ref("z")), b.tInterp(b.ref("local", "sep"))]));
  t.deepEqual(names(tpl), ["var.zones", "local.sep"]);
});

test("bare object keys are names, not references; parenthesised keys are", (t) => {
  t.deepEqual(names(b.obj(["owner", b.ref("var", "owner")], [b.parens(b.ref("local", "key")), b.num(1)])), ["var.owner", "local.key"]);
});

test("each reference carries its range", (t) => {
  const r = b.ref("local", "x");
  t.deepEqual(variablesReferenced(b.tuple(r))[0].range, r.range);
});
