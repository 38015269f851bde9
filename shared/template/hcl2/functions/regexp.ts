/**
 * regex, regexall and regex_replace with Go's RE2 syntax and semantics, through re2js (a
 * JavaScript port of RE2): `(?P<name>…)`, `(?i)` and friends, leftmost-first matching, and Go's
 * `$1` / `${name}` replacement templates.
 */
import { RE2JS } from "re2js";
import type { HclType, Value } from "../contract.js";
import { defineFunction, fail } from "./function-spec.js";
import { dynamicType, listType, listVal, nullVal, objectVal, stringType, stringVal, tupleVal } from "../value/index.js";

function compile(pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (e) {
    fail((e as Error).message);
  }
}

/** cty's wording for syntax errors in regex/regexall: "invalid regexp pattern: CODE in EXPR". */
function compileForCaptures(pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (e) {
    const m = /^error parsing regexp: (.*): `(.*)`$/s.exec((e as Error).message);
    if (m) fail(`invalid regexp pattern: ${m[1]} in ${m[2]}`, 0);
    fail(`error parsing pattern: ${(e as Error).message}`, 0);
  }
}

interface Captures {
  names: (string | undefined)[];
  type: HclType;
}

function captureShape(re: RE2JS): Captures {
  const count = re.groupCount();
  const names: (string | undefined)[] = new Array(count).fill(undefined);
  for (const [name, index] of Object.entries(re.namedGroups())) names[index - 1] = name;
  const named = names.filter((n) => n !== undefined).length;
  const unnamed = count - named;
  if (count === 0) return { names, type: stringType };
  if (named > 0 && unnamed > 0) fail("invalid regexp pattern: cannot mix both named and unnamed capture groups", 0);
  if (unnamed > 0) return { names, type: { kind: "tuple", elements: names.map(() => stringType) } };
  const attributes: Record<string, HclType> = {};
  for (const n of names) attributes[n!] = stringType;
  return { names, type: { kind: "object", attributes } };
}

/** One match, copied out of the matcher (which moves on to the next match). */
interface Match {
  start: number;
  end: number;
  /** Group texts by index (0 is the whole match); null for a group that took no part. */
  groups: (string | null)[];
}

function matchResult(m: Match, shape: Captures): Value {
  if (shape.type.kind === "string") return stringVal(m.groups[0] ?? "");
  const groups = shape.names.map((_, i) => (m.groups[i + 1] === null ? nullVal(stringType) : stringVal(m.groups[i + 1]!)));
  if (shape.type.kind === "tuple") return tupleVal(groups);
  return objectVal(new Map(shape.names.map((n, i) => [n!, groups[i]!])));
}

function snapshot(m: ReturnType<RE2JS["matcher"]>): Match {
  const groups: (string | null)[] = [];
  for (let i = 0; i <= m.groupCount(); i++) groups.push(m.start(i) < 0 ? null : (m.group(i) ?? ""));
  return { start: m.start(), end: m.end(), groups };
}

/** Every match, as Go's FindAll finds them: an empty match right after the previous match is skipped. */
function allMatches(re: RE2JS, s: string): Match[] {
  const m = re.matcher(s);
  const out: Match[] = [];
  let from = 0;
  let lastEnd = -1;
  const step = (at: number): number => at + (at < s.length && s.codePointAt(at)! > 0xffff ? 2 : 1);
  while (from <= s.length && m.find(from)) {
    const found = snapshot(m);
    if (found.end === found.start && found.start === lastEnd) {
      if (found.start >= s.length) break;
      from = step(found.start);
      continue;
    }
    out.push(found);
    lastEnd = found.end;
    from = found.end > found.start ? found.end : step(found.end);
  }
  return out;
}

/** Go's Regexp.Expand template: `$name`, `${name}`, `$1`, `$$`; unknown names expand to nothing. */
function expandTemplate(template: string, m: Match, named: Record<string, number>): string {
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== "$" || i + 1 >= template.length) {
      out += c;
      continue;
    }
    if (template[i + 1] === "$") {
      out += "$";
      i++;
      continue;
    }
    let name: string | undefined;
    let end = i + 1;
    if (template[i + 1] === "{") {
      const close = template.indexOf("}", i + 2);
      const inner = close < 0 ? "" : template.slice(i + 2, close);
      if (close >= 0 && /^[A-Za-z0-9_]+$/.test(inner)) {
        name = inner;
        end = close + 1;
      }
    } else {
      const mm = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
      if (mm) {
        name = mm[0];
        end = i + 1 + mm[0].length;
      }
    }
    if (name === undefined) {
      out += "$";
      continue;
    }
    const index = /^[0-9]+$/.test(name) ? Number(name) : named[name];
    if (index !== undefined) out += m.groups[index] ?? "";
    i = end - 1;
  }
  return out;
}

export function regexReplace(s: string, pattern: string, replacement: string): string {
  const re = compile(pattern);
  const named = re.namedGroups();
  let out = "";
  let last = 0;
  for (const m of allMatches(re, s)) {
    out += s.slice(last, m.start) + expandTemplate(replacement, m, named);
    last = m.end;
  }
  return out + s.slice(last);
}

export const regexReplaceFunction = defineFunction({
  params: [
    { name: "str", type: stringType },
    { name: "substr", type: stringType },
    { name: "replace", type: stringType },
  ],
  returnType: stringType,
  impl: ([s, p, r]) => stringVal(regexReplace((s as { value: string }).value, (p as { value: string }).value, (r as { value: string }).value)),
});

export const regexFunction = defineFunction({
  params: [
    { name: "pattern", type: stringType },
    { name: "string", type: stringType },
  ],
  returnType: ([p]) => (p?.kind === "string" ? captureShape(compileForCaptures(p.value)).type : dynamicType),
  impl([p, s]) {
    const re = compileForCaptures((p as { value: string }).value);
    const shape = captureShape(re);
    const m = re.matcher((s as { value: string }).value);
    if (!m.find()) fail("pattern did not match any part of the given string");
    return matchResult(snapshot(m), shape);
  },
});

export const regexallFunction = defineFunction({
  params: [
    { name: "pattern", type: stringType },
    { name: "string", type: stringType },
  ],
  returnType: ([p]) => listType(p?.kind === "string" ? captureShape(compileForCaptures(p.value)).type : dynamicType),
  impl([p, s]) {
    const re = compileForCaptures((p as { value: string }).value);
    const shape = captureShape(re);
    const items = allMatches(re, (s as { value: string }).value).map((m) => matchResult(m, shape));
    return listVal(items, shape.type);
  },
});
