#!/usr/bin/env node
// Records what real `packer console` 1.6.6 answers for a sample of HCL2 function calls, into
// test/fixtures/hcl2-functions/packer-1.6.6-console.json. Run once by hand where packer 1.6.6 is
// installed:  node scripts/record-hcl2-function-fixtures.mjs
// The test (test/shared/template/hcl2/functions/packer-console.test.ts) only reads the fixture.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(repo, "test/fixtures/hcl2-functions/packer-1.6.6-console.json");

const TEMPLATE = `source "null" "a" {
  communicator = "none"
}

build {
  sources = ["source.null.a"]
}
`;

/** Files written next to the template (the template directory is path.root and the file functions' base). */
const FILES = {
  "hello.txt": "Hello, Kiln!\n",
  "data/a.json": '{"x": 1}\n',
  "data/b.txt": "b\n",
  "data/sub/c.txt": "c\n",
};

// Each case: a function and its arguments as JSON (arrays are HCL tuples, objects HCL objects);
// EXPRESSIONS below are written as HCL text instead.
// `match` marks results that vary per run (compared by pattern, not value).
const C = (fn, ...args) => ({ fn, args });
const CASES = [
  // strings
  C("upper", "hello wörld"), C("lower", "HeLLo"), C("upper", 1), C("upper", true), C("upper", null), C("upper", ["a"]),
  C("title", "hello world-foo_bar x.y"), C("strrev", "héllo👍"), C("chomp", "hello\n\r\n"), C("chomp", "a\n\nb\n"),
  C("trimspace", "  \t hi \n "), C("trim", "?!hello?!", "!?"), C("trimprefix", "helloworld", "hello"), C("trimsuffix", "helloworld", "world"),
  C("trimsuffix", "hello", ""), C("indent", 2, "a\nb\n"), C("substr", "hello world", 1, 4), C("substr", "🤔🤷x", 0, 1), C("substr", "hello", -3, -1),
  C("substr", "hello", 10, 2), C("substr", "hello", 1.5, 2), C("split", ",", "a,b,,c"), C("split", "", "abc"), C("split", ",", ""),
  C("join", "-", ["a", "b", "c"]), C("join", "-", ["a"], ["b", "c"]), C("join", ", ", []), C("join", ",", ["a", null]), C("join", ",", [1, true]),
  C("replace", "hello world", "o", "0"), C("replace", "abc", "/b/", "x"), C("replace", "abc", "", "-"),
  C("regex_replace", "a1b22c", "[0-9]+", "#"), C("regex_replace", "hello world", "(?P<first>\\w+) (\\w+)", "$2 ${first}"),
  C("regex_replace", "aaa", "a*", "-"), C("regex_replace", "abc", "(", "x"), C("regex_replace", "Hello", "(?i)h", "J"), C("regex_replace", "x", "x", "$$1"),
  C("length", "héllo👍"), C("length", ["a", "b"]), C("length", { a: 1, b: 2 }), C("length", 12), C("length", ""),
  // format
  C("format", "%s-%03d", "a", 5), C("format", "%5.2f|%q|%v|%#v", 3.14159, 'a"b', [1, 2], { a: 1 }), C("format", "%d%%", 50), C("format", "%t", true),
  C("format", "%t", "true"), C("format", "%x %X %o %b", 255, 255, 8, 5), C("format", "%+d % d %-5d|", 3, 3, 3), C("format", "%e %E %g", 1234.5678, 0.000012, 100000000),
  C("format", "%.3s|%-6s|%6s", "abcdef", "ab", "ab"), C("format", "%[2]s %[1]s", "a", "b"), C("format", "%v %v %v", "str", 1.5, true), C("format", "%#v", "s"),
  C("format", "%v", null), C("format", "%s", null), C("format", "%d", "x"), C("format", "%d", 1.5), C("format", "%z", 1), C("format", "%"), C("format", "%s"),
  C("format", "abc", 1), C("format", "%s %s", "a", "b", "c"), C("format", "%08.3f", -3.14159), C("format", "%q", "line\nnext<tag>&"), C("format", "%v", [1, "a", null]),
  C("format", "%f", 1e21), C("format", "%.0f %.1f", 2.5, 0.05), C("format", "%10.4v|", "abcdefgh"), C("format", "%s", 12.75), C("format", "%s", true),
  C("formatlist", "%s=%s", ["a", "b"], ["1", "2"]), C("formatlist", "%s-%s", "x", ["a", "b"]), C("formatlist", "%s", []), C("formatlist", "%s", ["a"], ["b", "c"]),
  C("formatlist", "hi"),
  // numbers
  C("abs", -12.5), C("ceil", 1.2), C("floor", -1.2), C("log", 16, 2), C("log", 10, 10), C("pow", 2, 10), C("pow", 2, 0.5), C("signum", -3), C("signum", 0),
  C("max", 1, 9, 3), C("min", 4, -1, 2), C("max"), C("max", "5", 3), C("parseint", "100", 10), C("parseint", "FF", 16), C("parseint", "-1010", 2), C("parseint", "zZ", 62),
  C("parseint", "12", 1), C("parseint", "xyz", 10), C("parseint", 12, 10), C("abs", "x"), C("ceil", 5), C("floor", 0.1), C("pow", 10, -2), C("max", 0.5, 0.25),
  // collections
  C("concat", ["a"], ["b", "c"]), C("concat", [1], ["x"]), C("concat", "a"), C("flatten", [["a", "b"], [], ["c", ["d"]]]), C("distinct", ["a", "b", "a", "c", "b"]),
  C("chunklist", ["a", "b", "c", "d", "e"], 2), C("chunklist", ["a"], 0), C("chunklist", [], 3), C("chunklist", ["a"], -1),
  C("coalesce", "", "b", "c"), C("coalesce", null, 1, 2), C("coalesce", 1, "a"), C("coalesce", "", null), C("coalesce", [], ["a"]), C("coalescelist", [], ["a", "b"], ["c"]),
  C("coalescelist", [], []), C("compact", ["a", "", "b", ""]), C("contains", ["a", "b"], "b"), C("contains", ["a", "b"], "z"), C("contains", [1, 2], "1"), C("contains", "ab", "a"),
  C("element", ["a", "b", "c"], 4), C("element", [], 0), C("element", ["a", "b"], 1.5), C("index", ["a", "b", "c"], 1), C("index", { a: 1 }, "a"),
  C("keys", { b: 1, a: 2, c: 3 }), C("keys", {}), C("keys", ["a"]), C("values", { b: 1, a: 2 }), C("values", { b: "x", a: 2 }), C("lookup", { a: "x", b: "y" }, "b", "z"),
  C("lookup", { a: "x" }, "c", "z"), C("lookup", { a: "x" }, "a"), C("lookup", ["a"], "a", "x"), C("merge", { a: 1, b: 2 }, { b: 3, c: 4 }), C("merge", { a: "x" }, { b: true }),
  C("merge"), C("merge", { a: 1 }, null), C("merge", { a: 1 }, "x"), C("range", 3), C("range", 1, 4), C("range", 1, 8, 2), C("range", 5, 0, -2), C("range", 0, 1, 0.25),
  C("range", 1, 0), C("range", 0, 3, 0), C("range"), C("reverse", ["a", "b", "c"]), C("reverse", "abc"), C("setproduct", ["a", "b"], [1, 2]), C("setproduct", ["a"]),
  C("setproduct", [], ["a"]), C("setunion", ["a", "b"], ["b", "c"]), C("setunion", [1], ["a"]), C("setintersection", ["a", "b", "c"], ["b", "c", "d"], ["c"]),
  C("setintersection", ["a"], ["b"]), C("slice", ["a", "b", "c", "d"], 1, 3), C("slice", ["a", "b"], 2, 2), C("slice", ["a", "b"], 1, 3), C("slice", ["a", "b"], 2, 1),
  C("slice", ["a", "b"], -1, 1), C("sort", ["b", "a", "C", "10", "9"]), C("sort", [3, 10, 1]), C("zipmap", ["a", "b"], [1, 2]), C("zipmap", ["a", "b"], [1]),
  C("zipmap", ["a", "b"], ["x", 1]), C("zipmap", [], []),
  // conversion and type-aware functions absent from 1.6.6 are recorded too, to document the difference
  C("tostring", 1), C("tonumber", "1"), C("regex", "[a-z]+", "123abc456"), C("strcontains", "abc", "b"), C("sum", [1, 2, 3]), C("alltrue", [true, true]),
  // encoding
  C("base64encode", "Hello, 世界"), C("base64decode", "SGVsbG8sIOS4lueVjA=="), C("base64decode", "not base64"), C("base64decode", "/w=="), C("urlencode", "a b&c=d/é~"),
  C("jsonencode", { a: 1, b: [true, null], c: "x<y>&" }), C("jsonencode", "str"), C("jsonencode", 1.5), C("jsonencode", null), C("jsonencode", []), C("jsonencode", {}),
  C("jsondecode", '{"a":[1,true,null],"b":"x","c":{"d":1.5}}'), C("jsondecode", "[1, \"a\"]"), C("jsondecode", "3"), C("jsondecode", "null"), C("jsondecode", "{bad"),
  C("yamlencode", { a: [1, "x", true, [2, 3], { c: "d\ne", e: [] }], b: null, "k y": {}, m: "multi\nline\n" }), C("yamlencode", "plain"), C("yamlencode", [1.5, "yes"]),
  C("yamldecode", "a: 1\nb: [x, true, null]\nc:\n  d: hello\n"), C("yamldecode", "- 1\n- two\n- 3.5\n"), C("yamldecode", "hello"), C("yamldecode", "a: b: c"),
  C("yamldecode", "x: yes\ny: ~\nz: '012'\n"), C("csvdecode", "a,b\n1,2\n3,4\n"), C("csvdecode", "a,b\n\"x,y\",\"q\"\"r\"\n"), C("csvdecode", ""), C("csvdecode", "a,a\n1,2\n"),
  C("csvdecode", "a,b\n1,2,3\n"),
  // crypto
  C("md5", "hello"), C("sha1", "hello"), C("sha256", "hello"), C("sha512", "hello"), C("sha256", ""), C("uuidv5", "dns", "www.example.com"),
  C("uuidv5", "url", "https://kiln.example/"), C("uuidv5", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "x"), C("uuidv5", "nope", "x"),
  // CIDR
  C("cidrhost", "10.12.112.0/20", 16), C("cidrhost", "10.12.112.0/20", 268), C("cidrhost", "10.0.0.0/30", 4), C("cidrhost", "10.0.0.0/8", -1), C("cidrhost", "fd00:fd12:3456:7890::/56", 34),
  C("cidrhost", "not-a-cidr", 1), C("cidrnetmask", "172.16.0.0/12"), C("cidrnetmask", "10.0.0.0/32"), C("cidrsubnet", "172.16.0.0/12", 4, 2), C("cidrsubnet", "10.1.2.0/24", 4, 15),
  C("cidrsubnet", "fd00:fd12:3456:7890::/56", 16, 162), C("cidrsubnet", "10.0.0.0/30", 4, 0), C("cidrsubnet", "10.0.0.0/24", 2, 4), C("cidrsubnet", "10.1.2.3/16", 8, 1),
  C("cidrsubnets", "10.1.0.0/16", 4, 4, 8, 4), C("cidrsubnets", "fd00:fd12:3456:7890::/56", 16, 16, 16, 32), C("cidrsubnets", "10.0.0.0/24", 1, 1, 1), C("cidrsubnets", "10.0.0.0/24", 0),
  C("cidrsubnets", "10.0.0.0/24", 2, 1),
  // date and time
  C("formatdate", "YYYY-MM-DD hh:mm", "2020-12-16T21:03:56Z"), C("formatdate", "EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01Z"),
  C("formatdate", "EEE, MMMM D, YYYY H:m:s aa AA", "2018-01-02T03:04:05+05:30"), C("formatdate", "Z ZZZZ ZZZZZ ZZZ", "2018-01-02T03:04:05-08:00"),
  C("formatdate", "'Today is' EEEE 'at' h 'o''clock'", "2020-06-01T15:00:00Z"), C("formatdate", "YYY", "2020-06-01T15:00:00Z"), C("formatdate", "'unterminated", "2020-06-01T15:00:00Z"),
  C("formatdate", "DD", "2020-06-01"), C("formatdate", "DD", "2020-13-01T00:00:00Z"), C("formatdate", "DD", "2020/06/01T00:00:00Z"), C("formatdate", "q", "2020-06-01T15:00:00Z"),
  C("formatdate", "M/D/YY", "2020-06-01T15:00:00.123Z"), C("timeadd", "2017-11-22T00:00:00Z", "10m"), C("timeadd", "2017-11-22T00:00:00+01:00", "-1h30m"),
  C("timeadd", "2017-11-22T23:59:59Z", "1.5s"), C("timeadd", "2017-11-22T00:00:00Z", "10x"), C("timeadd", "bad", "1h"),
  // filesystem (paths relative to the template's directory)
  C("file", "hello.txt"), C("file", "missing.txt"), C("fileexists", "hello.txt"), C("fileexists", "missing.txt"), C("fileexists", "data"),
  C("fileset", ".", "data/*"), C("fileset", ".", "**/*.txt"), C("fileset", "data", "**"), C("fileset", ".", "*.{txt,json}"), C("fileset", "data", "nothing*"),
  C("basename", "foo/bar/baz.txt"), C("basename", "/"), C("basename", ""), C("basename", "a/b/"), C("dirname", "foo/bar/baz.txt"), C("dirname", "baz.txt"), C("dirname", "/a"),
  C("dirname", "a/b/"), C("pathexpand", "/abs/path"),
  // Go fmt details
  C("format", "%v", 1000000), C("format", "%v|%v", 123456, 0.0001), C("format", "%.2f %.2f", 0.125, 0.375), C("format", "%05d", -42), C("format", "%#x %#o %#b", 255, 8, 5),
  C("format", "%.3d", 7), C("format", "%q", "tab\there"), C("format", "%!", 1), C("format", "%[3]s", "a"), C("format", "%-4s|%4s|", "né", "né"),
  C("format", "%g %G", 0.00001234, 1e21), C("format", "%e", 0), C("format", "%x", -255), C("format", "%+.1e", 12345), C("format", "%6.2f|", 3.14159),
  C("format", "%t", 1), C("format", "%d", true), C("format", "%s", [1]), C("format", "%v", { b: 1, a: "x" }), C("format", "%5t|", true), C("format", "%05s", "ab"),
  C("format", "%.1f", 0.05), C("format", "%.0f", 0.5), C("format", "%.0f", 1.5),
  // more collections, strings and encodings
  C("keys", { b: 1, A: 2, "é": 3 }), C("sort", ["é", "e", "Z", "a"]), C("coalesce", 1, null), C("distinct", [1, 2, 1]), C("csvdecode", "a,b\r\n1,2\r\n"),
  C("base64decode", "YQ"), C("timeadd", "2017-11-22T00:00:00Z", "-1.5h"), C("regex_replace", "hello", "l+", "L"), C("lower", "ÀÉÎ"), C("upper", "straße"),
  C("substr", "hello", 0, -1), C("trim", "  x  ", " "), C("split", "ab", "xabyabz"), C("title", "élan vital"), C("compact", []), C("flatten", []),
  C("merge", { a: [1] }, { a: "x" }), C("zipmap", ["a", "a"], [1, 2]), C("chunklist", ["a", "b", "c"], 5), C("jsonencode", { a: { b: [1.5, "é\u2028"] } }),
  C("yamldecode", "a: 1.0\nb: 1e3\nc: 0x1F\nd: \"q\"\n"), C("yamlencode", { a: "1", b: "true", c: "null", d: "x: y" }),
  // edge cases: decoding errors, Unicode, float steps
  C("jsondecode", "[1,]"), C("jsondecode", '{"a" 1}'), C("jsondecode", ""), C("jsondecode", "tru"), C("jsondecode", '{"a":1} x'),
  C("csvdecode", 'a,b\n1,"x"y\n'), C("csvdecode", 'a,b\n"multi\nline",2\n'), C("csvdecode", 'a,b\nx"y,2\n'), C("csvdecode", 'a,b\n"open,2\n'), C("csvdecode", 'a\r\n\r\n"x""y"\r\n'),
  C("jsondecode", '{"a":1,"a":2}'), C("jsondecode", "trux"), C("jsondecode", '{"a":1,}'), C("jsondecode", '{"a"}'), C("jsondecode", "[1 2]"), C("yamldecode", ""),
  C("yamldecode", "t: 2001-12-14 21:59:43.10\nu: 2002-12-14T00:00:00+00:00\n"),
  C("yamldecode", "base: &b {x: 1}\nref: *b\n"), C("yamldecode", "---\na: 1\n---\nb: 2\n"), C("yamldecode", "a: !!int \"3\"\nb: !!str 3\n"),
  C("yamldecode", "a: |\n  line1\n  line2\nb: >\n  folded\n  text\n"), C("yamldecode", "d: 2001-12-14\nt: 2001-12-14t21:59:43.10-05:00\n"), C("yamldecode", "a: 1_000\nb: +12\nc: .5\nd: 012\n"),
  C("yamlencode", { s: "it's \"q\"", u: "é", n: 12345678, f: -0.5, e: [[]], o: [{}] }),
  C("title", "don't stop"), C("trimspace", "\u00a0 x \u3000"), C("strrev", "e\u0301x"), C("length", "e\u0301"), C("substr", "e\u0301xyz", 0, 2),
  C("format", "%3s|", "e\u0301"), C("split", "--", "a--b----c"), C("concat", [[1]], [[2, 3]]), C("flatten", [null, ["a"]]), C("merge", null, { a: 1 }),
  C("setproduct", [], []), C("cidrhost", "fd00::/64", -1), C("cidrsubnet", "fd00::/64", 33, 1), C("uuidv5", "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8", "x"),
  C("base64decode", "aGVs\nbG8="), C("urlencode", "!*'();:@&=+$,/?#[]"), C("abs", -0), C("parseint", "1_000", 10), C("range", 0, 1, 0.1), C("range", 0.1, 0.5, 0.1),
  C("max", 0.1, 0.30000000000000004), C("timeadd", "2020-01-01T00:00:00Z", "1h1m1s1ms1us1ns"), C("timeadd", "2020-01-01T00:00:00.5Z", "1s"), C("fileset", ".", "data/?.*"),
  C("fileset", ".", "data/[ab].*"), C("indent", 4, "a\r\nb"), C("chomp", "x\r"), C("sort", []), C("keys", { "": 1 }), C("jsonencode", 1e21), C("jsonencode", 0.1),
  // argument conversion (element paths, list(any) unification)
  C("join", ",", [["x"]]), C("compact", [["x"]]), C("distinct", [1, "a", 1]), C("distinct", [[1], ["a"]]), C("chunklist", [1, "a"], 1), C("sort", [true, "a"]),
  C("setunion", ["a"], [["b"]]), C("setproduct", [1, "a"], [true]), C("lookup", { a: [1] }, "b", "x"), C("coalescelist", ["a"], [1]), C("cidrsubnets", "10.0.0.0/8", "x"),
  C("timeadd", [1], "1h"), C("formatlist", "%s", [[1]]), C("zipmap", [["a"]], [1]), C("upper", { a: 1 }), C("max", [1]), C("substr", "abc", "1", "x"),
  // secrets services and misc
  C("vault", "secret/x", "k"), C("consul_key", "a/b"), C("bcrypt", "x", 40),
];

// Lines written as HCL text (their arguments are expressions, not values): can, try, convert.
const E = (fn, expression) => ({ fn, expression });
const EXPRESSIONS = [
  E("try", 'try(jsondecode("{"), "fallback")'), E("try", 'try(["a"][3], "x")'), E("try", 'try("first", "second")'), E("try", 'try(jsondecode("{"), ["a"][3])'),
  E("can", 'can(jsondecode("{"))'), E("can", 'can(regex_replace("a", "b", "c"))'), E("convert", 'convert(["a", 1], list(string))'),
  E("convert", 'convert({a = 1}, map(string))'), E("convert", 'convert("x", number)'),
];

function hclLiteral(v) {
  if (v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v).replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return "[" + v.map(hclLiteral).join(", ") + "]";
  return "{" + Object.entries(v).map(([k, x]) => `${JSON.stringify(k)} = ${hclLiteral(x)}`).join(", ") + "}";
}

const dir = mkdtempSync(path.join(tmpdir(), "kiln-hcl2-functions-"));
try {
  writeFileSync(path.join(dir, "tpl.pkr.hcl"), TEMPLATE);
  for (const [name, content] of Object.entries(FILES)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  const version = execFileSync("packer", ["version"], { env: { ...process.env, CHECKPOINT_DISABLE: "1" } }).toString().trim();
  const cases = [...CASES, ...EXPRESSIONS].map((c, i) => {
    const expr = c.expression ?? `${c.fn}(${c.args.map(hclLiteral).join(", ")})`;
    const r = spawnSync("packer", ["console", "tpl.pkr.hcl"], {
      cwd: dir,
      input: expr + "\n",
      env: { ...process.env, CHECKPOINT_DISABLE: "1" },
      timeout: 30_000,
    });
    const args = c.args === undefined ? {} : { args: c.args };
    return { id: `${String(i + 1).padStart(3, "0")}-${c.fn}`, fn: c.fn, ...args, expression: expr, exit_code: r.status, stdout: r.stdout.toString() };
  });
  mkdirSync(path.dirname(out), { recursive: true });
  const fixture = {
    about: "HCL2 function calls piped into `packer console tpl.pkr.hcl` (one process per call), recorded by scripts/record-hcl2-function-fixtures.mjs.",
    packer_version: version,
    template: TEMPLATE,
    files: FILES,
    cases,
  };
  writeFileSync(out, JSON.stringify(fixture, null, 1) + "\n");
  console.log(`${cases.length} cases recorded with ${version} into ${path.relative(repo, out)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
