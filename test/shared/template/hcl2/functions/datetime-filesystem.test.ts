// Clock and filesystem functions: timestamp and the legacy_* functions against a pinned clock,
// rfc3339_parse/unix_timestamp_parse, and file functions on a real temporary directory.
import test from "ava";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { packerFunctions } from "../../../../../shared/template/hcl2/functions/index.js";
import { runCallTable } from "./call-table.js";
import { tempDirSync } from "../../../../fixtures/temp-dir.js";

const pinned = new Date("2021-03-04T05:06:07.890Z");

test("timestamp is RFC 3339 in UTC without fractions; legacy_isotime/strftime format one start time", (t) => {
  let clock = pinned;
  const functions = packerFunctions({ baseDir: "/nonexistent", now: () => clock });
  runCallTable(t, functions, [
    { fn: "timestamp", args: [], out: "2021-03-04T05:06:07Z" },
    { fn: "legacy_isotime", args: [], out: "2021-03-04T05:06:07Z" },
    { fn: "legacy_isotime", args: ["2006-01-02 15:04:05 Mon Jan"], out: "2021-03-04 05:06:07 Thu Mar" },
    { fn: "legacy_strftime", args: ["%Y%m%d-%H%M%S"], out: "20210304-050607" },
    { fn: "legacy_isotime", args: ["a", "b"], error: 'too many values, 1 needed: ["a" "b"]' },
  ]);
  clock = new Date("2030-01-01T00:00:00Z");
  runCallTable(t, functions, [
    { fn: "timestamp", args: [], out: "2030-01-01T00:00:00Z" },
    { fn: "legacy_isotime", args: ["2006"], out: "2021" },
  ]);
});

test("rfc3339_parse and unix_timestamp_parse break a time down as Packer does", (t) => {
  const functions = packerFunctions({ baseDir: "/nonexistent" });
  runCallTable(t, functions, [
    {
      fn: "rfc3339_parse",
      args: ["2023-01-01T10:20:30+02:00"],
      out:
        '{\n  "day" = 1\n  "hour" = 10\n  "iso_week" = 52\n  "iso_year" = 2022\n  "minute" = 20\n  "month" = 1\n  "month_name" = "January"\n' +
        '  "second" = 30\n  "unix" = 1672561230\n  "weekday" = 0\n  "weekday_name" = "Sunday"\n  "year" = 2023\n  "year_day" = 1\n}',
    },
    { fn: "rfc3339_parse", args: ["2023-01-01"], error: '"2023-01-01" is not a valid RFC3339 timestamp', argIndex: 0 },
    {
      fn: "unix_timestamp_parse",
      args: [0],
      out:
        '{\n  "day" = 1\n  "hour" = 0\n  "iso_week" = 1\n  "iso_year" = 1970\n  "minute" = 0\n  "month" = 1\n  "month_name" = "January"\n' +
        '  "rfc3339" = "1970-01-01T00:00:00Z"\n  "second" = 0\n  "weekday" = 4\n  "weekday_name" = "Thursday"\n  "year" = 1970\n  "year_day" = 1\n}',
    },
    { fn: "unix_timestamp_parse", args: [1.5], error: /^unix_timestamp must be a whole number of seconds/, argIndex: 0 },
    { fn: "formatdate", args: ["DD MMM YYYY", "2020-02-30T00:00:00Z"], error: "not a valid RFC3339 timestamp: day out of range", argIndex: 1 },
    { fn: "formatdate", args: ["hh:mm", "2020-02-03T24:00:00Z"], error: 'not a valid RFC3339 timestamp: cannot use ":00:00Z" as hour', argIndex: 1 },
  ]);
});

test("file functions read relative to the template directory; abspath uses the working directory", (t) => {
  const root = tempDirSync("kiln-hcl2-files-");
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(path.join(root, "scripts/nested"), { recursive: true });
  writeFileSync(path.join(root, "scripts/a.sh"), "echo a\n");
  writeFileSync(path.join(root, "scripts/.hidden"), "h\n");
  writeFileSync(path.join(root, "scripts/nested/b.sh"), "echo b\n");
  writeFileSync(path.join(root, "binary.bin"), Buffer.from([0xff, 0xfe, 0x00]));
  symlinkSync(path.join(root, "scripts/a.sh"), path.join(root, "link.sh"));
  const functions = packerFunctions({ baseDir: root });
  runCallTable(t, functions, [
    { fn: "file", args: ["scripts/a.sh"], out: "echo a\n" },
    { fn: "file", args: [path.join(root, "scripts/nested/b.sh")], out: "echo b\n" },
    { fn: "file", args: ["binary.bin"], error: /^contents of binary.bin are not valid UTF-8; use the filebase64 function/ },
    { fn: "file", args: ["scripts/../nope.txt"], error: `no file exists at ${path.join(root, "nope.txt")}` },
    { fn: "filebase64", args: ["binary.bin"], out: "//4A" },
    // sha256sum of "echo a\n"
    { fn: "filesha256", args: ["scripts/a.sh"], out: "914cefaded94d45f313fa21b0af05991c33df3566f4ca6814c3652f4b92b7c8c" },
    { fn: "fileexists", args: ["link.sh"], out: "true" },
    { fn: "fileexists", args: ["scripts/missing"], out: "false" },
    { fn: "fileset", args: ["scripts", "*"], out: '[\n  ".hidden",\n  "a.sh",\n]' },
    { fn: "fileset", args: [".", "**/*.sh"], out: '[\n  "link.sh",\n  "scripts/a.sh",\n  "scripts/nested/b.sh",\n]' },
    { fn: "fileset", args: [root, "scripts/{a,z}.sh"], out: '[\n  "scripts/a.sh",\n]' },
    { fn: "abspath", args: ["x/../y"], out: path.join(process.cwd(), "y") },
    { fn: "pathexpand", args: ["~/x"], out: path.join(process.env.HOME || homedir(), "x") },
    { fn: "pathexpand", args: ["~other/x"], error: "failed to expand ~: cannot expand user-specific home dir" },
  ]);
});
