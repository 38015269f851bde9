// printf/print/println as Go's fmt formats them, driven through templates.
import test from "ava";
import { render, type InterpolationContext } from "../../../../shared/template/interpolate/index.js";

const ctx: InterpolationContext = {
  userVariables: {},
  enableEnv: false,
  initTime: new Date(),
  data: { Port: 8080, Ratio: 0.25, Name: "web", Nil: null, List: ["a", 1, true], Map: { b: 2, a: "x" } },
};

const cases: [string, string][] = [
  ['{{ printf "%s-%03d" "a" 5 }}', "a-005"],
  ['{{ printf "%d|%5d|%-5d|%+d|%x|%X|%#x|%o|%b" 42 42 42 42 255 255 255 8 5 }}', "42|   42|42   |+42|ff|FF|0xff|10|101"],
  ['{{ printf "%x" -255 }}', "-ff"],
  ['{{ printf "%c|%q|%U" 65 65 128512 }}', "A|'A'|U+1F600"],
  ['{{ printf "%v|%v|%v|%v" 1.5 1e6 100000.0 0.00001 }}', "1.5|1e+06|100000|1e-05"],
  ['{{ printf "%.2f|%8.3f|%08.3f|%e|%g|%.3g" 3.14159 3.14159 -3.14159 1234.5678 1234.5678 1.0 }}', "3.14|   3.142|-003.142|1.234568e+03|1234.5678|1"],
  ['{{ printf "%q|%x|%X|%.2s|%5s|%-5s|" "a\\"b" "hi" "hi" "héllo" "ab" "ab" }}', '"a\\"b"|6869|6869|hé|   ab|ab   |'],
  ['{{ printf "%t|%v" true false }}', "true|false"],
  ['{{ printf "%T|%T|%T|%T|%T" 1 1.5 "s" true .List }}', "int|float64|string|bool|[]interface {}"],
  ['{{ printf "%v|%d" .Port .Port }}', "8080|8080"],
  ['{{ printf "%05d" .Port }}', "08080"],
  ['{{ printf "%v %v %v" .List .Map .Nil }}', "[a 1 true] map[a:x b:2] <nil>"],
  ['{{ printf "%v" .Missing }}', "<nil>"],
  ['{{ printf "%d" "s" }}', "%!d(string=s)"],
  ['{{ printf "%s" 5 }}', "%!s(int=5)"],
  ['{{ printf "%d %d" 1 }}', "1 %!d(MISSING)"],
  ['{{ printf "%d" 1 2 "x" }}', "1%!(EXTRA int=2, string=x)"],
  ['{{ printf "%s" nil }}', "%!s(<nil>)"],
  ['{{ printf "100%%" }}', "100%"],
  ['{{ printf "%[2]s %[1]s" "a" "b" }}', "b a"],
  ['{{ printf "%*d|%.*f" 5 1 2 3.14159 }}', "    1|3.14"],
  ['{{ print 1 2 "a" "b" 3 }}', "1 2ab3"], // spaces only between two non-strings
  ['{{ print .Missing }}', "<nil>"],
  ['{{ println 1 "a" }}', "1 a\n"],
  ["{{ .Ratio }} {{ .Port }} {{ .List }} {{ .Map }} {{ .Nil }} {{ .Missing }}", "0.25 8080 [a 1 true] map[a:x b:2] <nil> <no value>"],
  ['{{ html "<a href=\'x\'>&\\"" }}', "&lt;a href=&#39;x&#39;&gt;&amp;&#34;"],
  ['{{ urlquery "a b&c/é" }}', "a+b%26c%2F%C3%A9"],
];

for (const [template, expected] of cases) {
  test(`renders ${template}`, (t) => {
    t.is(render(template, ctx), expected);
  });
}
