/**
 * Command-line flags the way Packer (Go's `flag` package) reads them: `-name`, `--name`,
 * `-name=value`, `-name value` for non-boolean flags; parsing stops at the first argument that is
 * not a flag. Packer users' scripts pass flags this way, so `util.parseArgs` (GNU style) won't do.
 */
export type FlagKind = "bool" | "string" | "list";

export interface FlagSpec {
  kind: FlagKind;
  /** Shown by --help. */
  help: string;
  /** Environment variable read when the flag is not given. */
  env?: string;
  /** For --help: the value's placeholder, e.g. "N" or "path". */
  placeholder?: string;
  /**
   * Checks one value when it is parsed (as a Go flag.Value's Set does); returns the reason it is
   * refused, which parseFlags reports as Go does: `invalid value "x" for flag -name: reason`.
   */
  check?: (value: string) => string | undefined;
}

export type FlagSpecs = Record<string, FlagSpec>;

export interface ParsedFlags {
  bools: Record<string, boolean>;
  strings: Record<string, string>;
  lists: Record<string, string[]>;
  /** Flags given, in command-line order (for `-var` vs `-var-file` ordering rules). */
  order: { name: string; value: string }[];
  rest: string[];
}

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FlagError";
  }
}

export function parseFlags(argv: readonly string[], specs: FlagSpecs, env: NodeJS.ProcessEnv = process.env): ParsedFlags {
  const out: ParsedFlags = { bools: {}, strings: {}, lists: {}, order: [], rest: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = specs[name];
    if (!spec) throw new FlagError(`flag provided but not defined: -${name}`);
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else if (spec.kind === "bool") value = "true";
    else {
      if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: -${name}`);
      value = argv[++i];
    }
    const refused = spec.check?.(value);
    if (refused !== undefined) throw new FlagError(`invalid value "${value}" for flag -${name}: ${refused}`);
    out.order.push({ name, value });
    if (spec.kind === "bool") {
      const v = value.toLowerCase();
      if (!["1", "t", "true", "0", "f", "false"].includes(v)) {
        throw new FlagError(`invalid boolean value "${value}" for -${name}: parse error`);
      }
      out.bools[name] = ["1", "t", "true"].includes(v);
    } else if (spec.kind === "string") out.strings[name] = value;
    else (out.lists[name] ??= []).push(value);
  }
  out.rest = argv.slice(i);
  for (const [name, spec] of Object.entries(specs)) {
    const fromEnv = spec.env ? env[spec.env] : undefined;
    if (fromEnv === undefined) continue;
    if (spec.kind === "string" && out.strings[name] === undefined) out.strings[name] = fromEnv;
    if (spec.kind === "bool" && out.bools[name] === undefined) out.bools[name] = ["1", "t", "true"].includes(fromEnv.toLowerCase());
  }
  return out;
}

/**
 * Go's `flag.Int` reading of a value (strconv.ParseInt with base 0: 42, -1, 0x2a, 0o52, 052,
 * 0b101010, underscores after a prefix), or the reason Go gives when it refuses one.
 */
export function parseGoInt(text: string): { value: number } | { error: "parse error" | "value out of range" } {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|0[0-7_]*|[1-9][0-9]*)$/.exec(text);
  if (!m || /__|_$/.test(m[2]) || (/^[1-9]/.test(m[2]) && m[2].includes("_"))) return { error: "parse error" };
  const digits = m[2].replace(/_/g, "");
  const literal = /^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits.replace(/^0([xXbBoO])$/, "0$1");
  let n: bigint;
  try {
    n = BigInt(literal);
  } catch {
    return { error: "parse error" };
  }
  if (m[1] === "-") n = -n;
  if (n > 9223372036854775807n || n < -9223372036854775808n) return { error: "value out of range" };
  return { value: Number(n) };
}

/** A FlagSpec check for a Go int flag. */
export function goIntCheck(value: string): string | undefined {
  const parsed = parseGoInt(value);
  return "error" in parsed ? parsed.error : undefined;
}

/** `-only=a,b -only=c` → ["a","b","c"] */
export function commaList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(",")).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** The option lines of --help; `omit` leaves out flags a command already lists in Packer's words. */
export function formatFlagHelp(specs: FlagSpecs, omit: readonly string[] = []): string {
  return Object.entries(specs)
    .filter(([name]) => !omit.includes(name))
    .map(([name, s]) => {
      const left = `  -${name}${s.kind === "bool" ? "" : `=${s.placeholder ?? "value"}`}`;
      const env = s.env ? ` (env ${s.env})` : "";
      return `${left.padEnd(32)} ${s.help}${env}`;
    })
    .join("\n");
}

/**
 * Parses a command's flags and checks its positional arguments (the template). Returns undefined
 * when the command must exit 1, after printing the problem and the command's help.
 *
 * Packer's own commands (`packer: true`) print as packer 1.6.6 does, where a script sees it: the
 * help on stdout, then Go's flag error on stdout too; a wrong number of arguments gets the help
 * alone. Kiln's farm commands print the problem, then the help, on stderr.
 */
export function parseCommandFlags(
  argv: readonly string[],
  specs: FlagSpecs,
  io: { env: NodeJS.ProcessEnv; stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown } },
  command: { name: string; help: string; template: "required" | "optional"; packer?: boolean },
): ParsedFlags | undefined {
  let flags: ParsedFlags;
  try {
    flags = parseFlags(argv, specs, io.env);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    if (command.packer) io.stdout.write(`${command.help}\n${e.message}\n`);
    else io.stderr.write(`${e.message}\n\n${command.help}\n`);
    return undefined;
  }
  const n = flags.rest.length;
  if (n > 1 || (n === 0 && command.template === "required")) {
    const expected = command.template === "required" ? "one argument" : "at most one argument";
    if (command.packer) io.stdout.write(`${command.help}\n`);
    else io.stderr.write(`${command.name}: expected ${expected}, the template file\n\n${command.help}\n`);
    return undefined;
  }
  return flags;
}
