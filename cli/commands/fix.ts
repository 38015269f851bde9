/**
 * `kiln fix TEMPLATE`: applies `packer fix`'s rewrites of deprecated settings and prints the fixed
 * template as JSON on stdout: keys in their original order, or with -sort byte for byte as Packer
 * prints them (keys sorted, Go's escaping of "&"). Like Packer, the fixed JSON is printed even when
 * it then fails to parse (exit 1).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseTemplate } from "../../shared/template/parse-template.js";
import { TemplateError } from "../../shared/template/errors.js";
import { findJsonSyntaxError } from "../../shared/template/json-syntax.js";
import { errorMessage } from "../../shared/error-message.js";
import { packerTemplateErrorText } from "../../shared/validation/template-error-text.js";
import { FIXERS, type JsonObject } from "../fix/fixers.js";
import { formatFlagHelp, parseCommandFlags, type FlagSpecs } from "../flags.js";
import type { Command } from "../io.js";

const flagSpecs: FlagSpecs = {
  validate: { kind: "bool", help: "Check that the fixed template still parses (default true; -validate=false to skip)." },
  sort: { kind: "bool", help: "Print keys sorted, exactly as packer fix does (Kiln keeps the template's order by default)." },
};

const fixerNameWidth = Math.max(...FIXERS.map((f) => f.name.length));

export const help = `Usage: kiln fix [options] TEMPLATE

  Reads the JSON template and attempts to fix known backwards
  incompatibilities. The fixed template will be outputted to standard out.

  If the template cannot be fixed due to an error, the command will exit
  with a non-zero exit status. Error messages will appear on standard error.

Fixes that are run (in order):

${FIXERS.map((f) => `  ${f.name.padEnd(fixerNameWidth)} ${f.synopsis}`).join("\n")}

Options:

  -validate=true      If true (default), validates the fixed template.

Kiln options:

${formatFlagHelp(flagSpecs, ["validate"])}`;

export const run: Command = async (argv, io) => {
  const flags = parseCommandFlags(argv, flagSpecs, io, { name: "fix", help, template: "required", packer: true });
  if (!flags) return 1;
  const path = resolve(io.cwd, flags.rest[0]);
  // Packer's fix prints these through its Ui, on stdout (its help says standard error).
  let raw: string;
  try {
    raw = readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : errorMessage(e);
    io.stdout.write(`Error opening template: open ${flags.rest[0]}: ${reason}\n`);
    return 1;
  }
  const problem = findJsonSyntaxError(raw);
  if (problem) {
    io.stdout.write(`Error parsing template: ${jsonDecoderWording(problem.message, raw)}\n`);
    return 1;
  }
  const template: unknown = JSON.parse(raw);
  if (typeof template !== "object" || template === null || Array.isArray(template)) {
    io.stderr.write(`Error parsing template ${flags.rest[0]}: the template must be a JSON object\n`);
    return 1;
  }
  for (const fixer of FIXERS) fixer.fix(template as JsonObject);
  const text = flags.bools.sort === true ? goJson(sortKeys(template)) : JSON.stringify(template, null, 2);
  io.stdout.write(`${text}\n`);
  if (flags.bools.validate !== false) {
    try {
      parseTemplate(text, path, flags.rest[0]);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      io.stderr.write(`Error! Fixed template fails to parse: ${packerTemplateErrorText(e)}\n\nThis is usually caused by an error in the input template.\nPlease fix the error and try again.\n`);
      return 1;
    }
  }
  return 0;
};

/** Packer's fix reads with Go's json.Decoder, which words the end of input as EOF, not Unmarshal's way. */
function jsonDecoderWording(message: string, text: string): string {
  if (text.trim() === "") return "EOF";
  return message === "unexpected end of JSON input" ? "unexpected EOF" : message;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/** Go's encoding/json with json.Indent: "&" and U+2028/U+2029 escaped ("<" and ">" Packer puts back). */
function goJson(v: unknown): string {
  return JSON.stringify(v, null, 2).replace(/&/g, "\\u0026").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}
