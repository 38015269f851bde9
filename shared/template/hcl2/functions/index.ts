/**
 * Packer's HCL2 function library (hcl2template/functions.go): every function of Packer 1.6.6
 * plus the later ones of Packer's current docs and a few of Terraform's, each an HclFunction.
 *
 * - packerFunctions: what expressions everywhere may call (console, locals, sources, builds).
 * - variableDefaultFunctions: the same plus `env`, which Packer allows only in variable defaults.
 * - can, try and convert take expressions: see expression-functions.ts (EXPRESSION_FUNCTIONS).
 */
import type { HclFunction } from "../contract.js";
import { cidrFunctions } from "./cidr.js";
import { collectionFunctions } from "./collections.js";
import { conversionFunctions } from "./conversion.js";
import { cryptoFunctions } from "./crypto.js";
import { datetimeFunctions } from "./datetime.js";
import { encodingFunctions } from "./encoding.js";
import { expressionFunctionFallbacks } from "./expression-functions.js";
import { filesystemFunctions } from "./filesystem.js";
import { formatFunction, formatlistFunction } from "./format.js";
import { defineFunction } from "./function-spec.js";
import { numberFunctions } from "./numbers.js";
import { regexallFunction, regexFunction, regexReplaceFunction } from "./regexp.js";
import { secretServiceFunctions } from "./secret-services.js";
import { stringFunctions } from "./strings.js";
import { makeTemplatefileFunction } from "./templatefile.js";
import { stringType, stringVal } from "../value/index.js";

export { defineFunction, type FunctionSpec, type ParamSpec } from "./function-spec.js";
export { EXPRESSION_FUNCTIONS, evaluateCan, evaluateTry, convertToType, type ExpressionArgument } from "./expression-functions.js";
export { formatValues } from "./format.js";
export { decodeJson } from "./json-decoding.js";

export interface FunctionLibraryOptions {
  /** The template's directory (Packer's path.root): relative paths of file functions start here. */
  baseDir: string;
  /** The clock for timestamp/legacy_isotime/legacy_strftime (tests pin it). */
  now?: () => Date;
}

export interface VariableDefaultOptions extends FunctionLibraryOptions {
  /** Where `env` reads from; process.env when absent. */
  env?: Record<string, string | undefined>;
}

/** The functions every HCL2 expression may call. */
export function packerFunctions(opts: FunctionLibraryOptions): Map<string, HclFunction> {
  const now = opts.now ?? (() => new Date());
  const files = filesystemFunctions(opts.baseDir);
  const all = new Map<string, HclFunction>(
    Object.entries({
      ...stringFunctions,
      format: formatFunction,
      formatlist: formatlistFunction,
      regex: regexFunction,
      regexall: regexallFunction,
      regex_replace: regexReplaceFunction,
      ...numberFunctions,
      ...collectionFunctions,
      ...conversionFunctions,
      ...encodingFunctions,
      ...cryptoFunctions,
      ...cidrFunctions,
      ...datetimeFunctions(now),
      ...files,
      ...secretServiceFunctions,
      ...expressionFunctionFallbacks,
    }),
  );
  all.set("templatefile", makeTemplatefileFunction(files.file!, () => all));
  return all;
}

/** Packer 1.6.6 allows `env` only in a variable's default. */
export function variableDefaultFunctions(opts: VariableDefaultOptions): Map<string, HclFunction> {
  const all = packerFunctions(opts);
  const env = opts.env ?? process.env;
  all.set(
    "env",
    defineFunction({ params: [{ name: "key", type: stringType }], returnType: stringType, impl: ([k]) => stringVal(env[(k as { value: string }).value] ?? "") }),
  );
  return all;
}

/** Names of functions that are in Kiln's library but not in Packer 1.6.6 (for `kiln inspect`/docs and conformance notes). */
export const NOT_IN_PACKER_1_6_6: ReadonlySet<string> = new Set([
  "alltrue", "anytrue", "aws_secretsmanager_raw", "base64gzip", "endswith", "filebase64", "filebase64sha256", "filebase64sha512",
  "filemd5", "filesha1", "filesha256", "filesha512", "legacy_isotime", "legacy_strftime", "one", "regex", "regexall",
  "rfc3339_parse", "setsubtract", "startswith", "strcontains", "sum", "templatefile", "textdecodebase64", "textencodebase64",
  "tobool", "tolist", "tomap", "tonumber", "toset", "tostring", "transpose", "unix_timestamp_parse",
]);
