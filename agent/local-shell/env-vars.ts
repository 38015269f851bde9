import type { GeneratedData } from "../runner/context.js";

/** What a builder puts in generated data when it has no HTTP server (Packer's placeholders). */
const NOT_IMPLEMENTED = new Set([
  "ERR_HTTP_ADDR_NOT_IMPLEMENTED_BY_BUILDER",
  "ERR_HTTP_IP_NOT_IMPLEMENTED_BY_BUILDER",
  "ERR_HTTP_PORT_NOT_IMPLEMENTED_BY_BUILDER",
]);

export interface EnvVarSources {
  buildName: string;
  builderType: string;
  generated: GeneratedData;
  /** `environment_vars` entries, `KEY=value`, already rendered. */
  environmentVars: readonly string[];
  /** `env`, already rendered; wins over `environment_vars`. */
  env: Readonly<Record<string, string>>;
  /** Go format with two `%s` (name, value), e.g. `%s='%s' `. */
  format: string;
}

/**
 * The `{{.Vars}}` string of shell-local: every variable formatted with `env_var_format`, sorted
 * by name, single quotes in values escaped for a single-quoted shell word (as Packer does).
 */
export function flattenEnvVars(sources: EnvVarSources): string {
  const vars = new Map<string, string>();
  vars.set("PACKER_BUILD_NAME", sources.buildName);
  vars.set("PACKER_BUILDER_TYPE", sources.builderType);
  const http: Array<[string, string]> = [
    ["PackerHTTPAddr", "PACKER_HTTP_ADDR"],
    ["PackerHTTPIP", "PACKER_HTTP_IP"],
    ["PackerHTTPPort", "PACKER_HTTP_PORT"],
  ];
  for (const [key, name] of http) {
    const v = sources.generated[key];
    if (v !== undefined && !NOT_IMPLEMENTED.has(v)) vars.set(name, v);
  }
  for (const kv of sources.environmentVars) {
    const eq = kv.indexOf("=");
    vars.set(kv.slice(0, eq), quoteForSingleQuotes(kv.slice(eq + 1)));
  }
  for (const [k, v] of Object.entries(sources.env)) vars.set(k, quoteForSingleQuotes(v));
  return [...vars.keys()]
    .sort()
    .map((k) => goSprintf(sources.format, [k, vars.get(k)!]))
    .join("");
}

/** `it's` → `it'"'"'s`: closes the quote, adds a double-quoted `'`, reopens. */
function quoteForSingleQuotes(value: string): string {
  return value.split("'").join(`'"'"'`);
}

/** Go's Sprintf for the verbs an env var format uses: `%s` (and `%v`), and `%%`. */
function goSprintf(format: string, args: readonly string[]): string {
  let next = 0;
  return format.replace(/%([%sv])/g, (_m, verb: string) => {
    if (verb === "%") return "%";
    return next < args.length ? args[next++]! : "%!s(MISSING)";
  });
}
