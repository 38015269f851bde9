import type { BuildIdentity, GeneratedData } from "../../runner/context.js";

// What builders without an HTTP server put in generated data (Packer's commonsteps sentinels).
const NOT_IMPLEMENTED = new Set([
  "ERR_HTTP_ADDR_NOT_IMPLEMENTED_BY_BUILDER",
  "ERR_HTTP_IP_NOT_IMPLEMENTED_BY_BUILDER",
  "ERR_HTTP_PORT_NOT_IMPLEMENTED_BY_BUILDER",
]);

export interface EnvVarSources {
  build: BuildIdentity;
  generated: GeneratedData;
  environmentVars: readonly string[];
  env: Readonly<Record<string, string>>;
}

/**
 * The variables a shell script sees, as Packer builds them: PACKER_BUILD_NAME/TYPE, the
 * PACKER_HTTP_* address when the builder serves files, then `environment_vars`, then `env`.
 * Values have single quotes escaped for the '…' quoting of `env_var_format`. Sorted by name.
 */
export function scriptEnvVars(s: EnvVarSources): [string, string][] {
  const vars = new Map<string, string>();
  vars.set("PACKER_BUILD_NAME", s.build.name);
  vars.set("PACKER_BUILDER_TYPE", s.build.type);
  for (const [key, name] of [["PackerHTTPAddr", "PACKER_HTTP_ADDR"], ["PackerHTTPIP", "PACKER_HTTP_IP"], ["PackerHTTPPort", "PACKER_HTTP_PORT"]]) {
    const v = s.generated[key];
    if (v !== undefined && !NOT_IMPLEMENTED.has(v)) vars.set(name, v);
  }
  for (const kv of s.environmentVars) {
    const eq = kv.indexOf("=");
    vars.set(kv.slice(0, eq), escapeSingleQuotes(kv.slice(eq + 1)));
  }
  for (const [k, v] of Object.entries(s.env)) vars.set(k, escapeSingleQuotes(v));
  return [...vars.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Joins the variables with `env_var_format` (Go's fmt with `%s` for the name, then the value). */
export function formatEnvVars(vars: readonly [string, string][], format: string): string {
  return vars.map(([k, v]) => goSprintfStrings(format, [k, v])).join("");
}

function escapeSingleQuotes(v: string): string {
  return v.split("'").join(`'"'"'`);
}

/** Enough of Go's Sprintf for env_var_format: `%s` takes the next argument, `%%` is a percent sign. */
function goSprintfStrings(format: string, args: string[]): string {
  let i = 0;
  const out = format.replace(/%([%s])/g, (_m, verb: string) => {
    if (verb === "%") return "%";
    return i < args.length ? args[i++]! : "%!s(MISSING)";
  });
  return i < args.length ? `${out}%!(EXTRA string=${args.slice(i).join(", string=")})` : out;
}
