// Packer 1.6.6's template functions, bound to an interpolation context. Error texts are
// Packer's, because users (and the conformance corpus) compare them.
import { dirname, resolve } from "node:path";
import type { InterpolationContext } from "./context.js";
import { formatGoTime, RFC3339 } from "./go-time-layout.js";
import { fromJs, toJs, type GoValue } from "./go-values.js";
import { strftime } from "./strftime.js";
import type { ParamType, TemplateFunction } from "./template-function.js";
import { timeOrderedUuid } from "./time-ordered-uuid.js";

/** Packer's marker in a first-pass `build` value meaning "render {{.Key}} again later". */
export const BUILD_PLACEHOLDER_MESSAGE = "To set this dynamically in the Packer template, you must use the `build` function";

/** `{{user "x"}}` of a variable that must exist but does not (in variable defaults). */
export class VariableNotSetError extends Error {
  constructor(readonly variable: string) {
    super(`Error: variable not set: ${variable}`);
    this.name = "VariableNotSetError";
  }
}

/**
 * What Packer appends when variable defaults cannot be resolved:
 * `Failed to interpolate "<name>": "<default>"; error: <message>: <hint>`.
 */
export const VARIABLE_NOT_SET_HINT =
  "Please make sure that the variable you're referencing has been defined; " +
  "Packer treats all variables used to interpolate other user variables as required.";

/** Names of Packer's functions, known without a context (for syntax checks). */
export const PACKER_FUNCTION_NAMES: readonly string[] = [
  "build_name",
  "build_type",
  "env",
  "isotime",
  "strftime",
  "pwd",
  "split",
  "template_dir",
  "timestamp",
  "uuid",
  "user",
  "packer_version",
  "consul_key",
  "vault",
  "sed",
  "build",
  "aws_secretsmanager",
  "replace",
  "replace_all",
  "upper",
  "lower",
];

const str = (value: GoValue): string => value as string;
const int = (value: GoValue): number => Number(value as bigint);

// Go's strings.ToUpper/ToLower map rune by rune; a rune without a one-rune mapping (ß) stays.
function mapRunes(s: string, map: (ch: string) => string): string {
  let out = "";
  for (const ch of s) {
    const mapped = map(ch);
    out += [...mapped].length === 1 ? mapped : ch;
  }
  return out;
}

// Go's strings.Split: an empty separator splits into UTF-8 sequences.
function goSplit(s: string, sep: string): string[] {
  return sep === "" ? [...s] : s.split(sep);
}

// Go's strings.Replace: n < 0 replaces all; an empty `old` matches before every rune and at the end.
function goReplace(s: string, old: string, replacement: string, n: number): string {
  if (old === replacement || n === 0) return s;
  if (old === "") {
    const runes = [...s];
    let out = "";
    let count = 0;
    for (let i = 0; i <= runes.length; i++) {
      if (n < 0 || count < n) {
        out += replacement;
        count++;
      }
      if (i < runes.length) out += runes[i];
    }
    return out;
  }
  if (n < 0) return s.split(old).join(replacement);
  let out = "";
  let rest = s;
  for (let count = 0; count < n; count++) {
    const at = rest.indexOf(old);
    if (at < 0) break;
    out += rest.slice(0, at) + replacement;
    rest = rest.slice(at + old.length);
  }
  return out + rest;
}

function notAvailableInKiln(name: string): Error {
  return new Error(
    `${name} is not available in Kiln: resolve the secret outside the template and pass it with -var or -var-file`,
  );
}

/** Packer's functions for `ctx`, then the context's own `funcs` (which may override). */
export function packerFunctions(ctx: InterpolationContext): Map<string, TemplateFunction> {
  const fn = (params: ParamType[], call: (args: GoValue[]) => GoValue, variadic?: ParamType): TemplateFunction => ({
    params,
    call,
    variadic,
  });
  const table = new Map<string, TemplateFunction>([
    [
      "build_name",
      fn([], () => {
        if (!ctx.buildName) throw new Error("build_name not available");
        return ctx.buildName;
      }),
    ],
    [
      "build_type",
      fn([], () => {
        if (!ctx.buildType) throw new Error("build_type not available");
        return ctx.buildType;
      }),
    ],
    [
      "env",
      fn(["string"], ([key]) => {
        if (!ctx.enableEnv) throw new Error("env vars are not allowed here");
        return (ctx.env ?? process.env)[str(key)] ?? "";
      }),
    ],
    [
      "isotime",
      fn(
        [],
        (formats) => {
          if (formats.length === 0) return formatGoTime(ctx.initTime, RFC3339);
          if (formats.length > 1) throw new Error(`too many values, 1 needed: [${formats.map(str).join(" ")}]`);
          return formatGoTime(ctx.initTime, str(formats[0]));
        },
        "string",
      ),
    ],
    ["strftime", fn(["string"], ([format]) => strftime(str(format), ctx.initTime))],
    ["pwd", fn([], () => ctx.cwd ?? process.cwd())],
    [
      "split",
      fn(["string", "string", "int"], ([s, sep, index]) => {
        const parts = goSplit(str(s), str(sep));
        const i = int(index);
        if (i < 0) throw new Error(`runtime error: index out of range [${i}]`);
        if (parts.length <= i) {
          throw new Error(
            `the substring ${i} was unavailable using the separator value, ${str(sep)}, only ${parts.length} values were found`,
          );
        }
        return parts[i];
      }),
    ],
    [
      "template_dir",
      fn([], () => {
        if (!ctx.templatePath) throw new Error("template path not available");
        return resolve(ctx.cwd ?? process.cwd(), dirname(ctx.templatePath));
      }),
    ],
    ["timestamp", fn([], () => String(Math.floor(ctx.initTime.getTime() / 1000)))],
    ["uuid", fn([], () => timeOrderedUuid())],
    [
      "user",
      fn(["string"], ([name]) => {
        const key = str(name);
        const value = Object.hasOwn(ctx.userVariables, key) ? ctx.userVariables[key] : undefined;
        if (value !== undefined) return value;
        // While variables are resolved (env enabled) every reference must exist, so the resolver
        // can retry. Elsewhere a missing one is "", declared or not, as Packer's funcGenUser: a
        // declared variable whose default never rendered is left unset (resolve-variables.ts).
        if (ctx.enableEnv) throw new VariableNotSetError(key);
        return "";
      }),
    ],
    [
      "packer_version",
      fn([], () => {
        if (!ctx.packerVersion) throw new Error("packer_version not available");
        return ctx.packerVersion;
      }),
    ],
    [
      "consul_key",
      fn(["string"], () => {
        if (!ctx.enableEnv) throw new Error("consul_key is not allowed here");
        throw notAvailableInKiln("consul_key");
      }),
    ],
    [
      "vault",
      fn(["string", "string"], () => {
        if (!ctx.enableEnv) throw new Error("Vault vars are only allowed in the variables section");
        throw notAvailableInKiln("vault");
      }),
    ],
    [
      "aws_secretsmanager",
      fn(
        [],
        (args) => {
          if (!ctx.enableEnv) throw new Error("AWS Secrets Manager is only allowed in the variables section");
          if (args.length === 0) throw new Error("secret name must be provided");
          if (args.length > 2) throw new Error("only secret name and optional secret key can be provided.");
          throw notAvailableInKiln("aws_secretsmanager");
        },
        "string",
      ),
    ],
    [
      "sed",
      fn(["string", "string"], () => {
        throw new Error(
          "template function `sed` is deprecated use `replace` or `replace_all` instead." +
            "Documentation: https://www.packer.io/docs/templates/engine",
        );
      }),
    ],
    [
      "build",
      fn(["string"], ([name]) => {
        const key = str(name);
        if (!ctx.generated) {
          throw new Error(`Error validating build variable: the given variable ${key} will not be passed into your plugin.`);
        }
        const value = Object.hasOwn(ctx.generated, key) ? ctx.generated[key] : undefined;
        if (value === undefined) throw new Error(`loaded data, but couldnt find ${key} in it.`);
        // A placeholder means the real value comes later: keep a reference for the next pass.
        return value.includes(BUILD_PLACEHOLDER_MESSAGE) ? `{{.${key}}}` : value;
      }),
    ],
    ["replace", fn(["string", "string", "int", "string"], ([old, rep, n, s]) => goReplace(str(s), str(old), str(rep), int(n)))],
    ["replace_all", fn(["string", "string", "string"], ([old, rep, s]) => goReplace(str(s), str(old), str(rep), -1))],
    ["upper", fn(["string"], ([s]) => mapRunes(str(s), (ch) => ch.toUpperCase()))],
    ["lower", fn(["string"], ([s]) => mapRunes(str(s), (ch) => ch.toLowerCase()))],
  ]);
  for (const [name, impl] of Object.entries(ctx.funcs ?? {})) table.set(name, componentFunction(impl));
  return table;
}

/**
 * A function a component supplies in plain TypeScript. A declared parameter count is an exact
 * arity; a function declaring none (rest parameters) takes any number of arguments.
 */
function componentFunction(impl: (...args: unknown[]) => unknown): TemplateFunction {
  const arity = impl.length;
  return {
    params: Array.from({ length: arity }, (): ParamType => "any"),
    variadic: arity === 0 ? "any" : undefined,
    call: (args) => fromJs(impl(...args.map(toJs))),
  };
}
