import { statSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigReader } from "./config-reader.js";
import type { PrepareContext } from "./types.js";
import type { RawComponent } from "./raw-component.js";

/**
 * The configuration shared by the `shell-local` provisioner and post-processor (Packer keeps it in
 * one SDK package, shell-local, for both). Values are interpolated at prepare time except
 * `execute_command`, which is rendered per script with `.Vars`, `.Script` and `.Command`.
 */
export interface ShellLocalConfig {
  /** Inline commands (`command` is folded in here, as Packer does). Undefined when scripts are used. */
  inline?: string[];
  /** Script paths as the user wrote them (relative to the working directory). */
  scripts: string[];
  /** `environment_vars`: `KEY=value` entries. */
  environmentVars: string[];
  /** `env`: overrides `environment_vars` entries of the same name. */
  env: Record<string, string>;
  /** `execute_command`, not yet rendered. */
  executeCommand: string[];
  /** Without the `#!`; empty means none is written. */
  inlineShebang: string;
  /** Go OS names (`linux`, `darwin`, …); empty means every OS. */
  onlyOn: string[];
  /** Without the leading dot; empty means none. */
  tempfileExtension: string;
  useLinuxPathing: boolean;
  validExitCodes: number[];
  /** A Go format with two `%s`: name, then value with `'` escaped. */
  envVarFormat: string;
}

/** Go's runtime.GOOS values Packer accepts in `only_on`, in Packer's order (used in its message). */
export const SUPPORTED_ONLY_ON = ["darwin", "freebsd", "linux", "openbsd", "solaris", "windows"] as const;

const DEFAULT_EXECUTE_COMMAND = ["/bin/sh", "-c", "{{.Vars}} {{.Script}}"];
const TOO_MANY_OPTIONS =
  "You may only specify one of the following options: Command, Inline, Script or Scripts. Please consolidate these options in your config.";

export interface ShellLocalReadOptions {
  /** shell-local is both a provisioner and a post-processor. */
  kind: "provisioner" | "post-processor";
  /**
   * The post-processor's backward compatibility: a one-element `execute_command` (it used to be a
   * plain string run by `sh -c`) gets `sh -c` put in front.
   */
  wrapSingleExecuteCommand: boolean;
}

/** Reads and checks a shell-local configuration with Packer's defaults and messages (POSIX hosts). */
export function readShellLocalConfig(raw: RawComponent, ctx: PrepareContext, options: ShellLocalReadOptions): ShellLocalConfig {
  // Packer's shell-local wraps the error of its Decode as a whole: "Error decoding config: %s".
  const r = new ConfigReader(raw, { kind: options.kind, interpolation: ctx.interpolation, renderLater: ["execute_command"], decodeErrorPrefix: "Error decoding config: " });
  const command = r.string("command", "");
  // Undefined and empty differ, as Go's nil and empty slices do in Packer's checks below.
  const inlineGiven = r.value("inline") !== undefined && r.value("inline") !== null;
  let inline: string[] | undefined = inlineGiven ? r.stringList("inline") : undefined;
  const script = r.string("script", "");
  let scripts = r.stringList("scripts");
  const environmentVars = r.stringList("environment_vars");
  const env = r.stringMap("env");
  let executeCommand = r.stringList("execute_command");
  const inlineShebang = r.string("inline_shebang", "/bin/sh -e");
  const onlyOn = r.stringList("only_on");
  const tempfileExtension = r.string("tempfile_extension", "").replace(/^\./, "");
  const useLinuxPathing = r.bool("use_linux_pathing");
  const validExitCodes = r.intList("valid_exit_codes");
  const envVarFormat = r.string("env_var_format", "%s='%s' ");

  if (options.wrapSingleExecuteCommand && executeCommand.length === 1) executeCommand = ["sh", "-c", ...executeCommand];
  if (executeCommand.length === 0) executeCommand = [...DEFAULT_EXECUTE_COMMAND];

  if (command === "" && (inline?.length ?? 0) === 0 && scripts.length === 0 && script === "") {
    r.problem(undefined, "Command, Inline, Script and Scripts options cannot all be empty.");
  }
  if (command !== "") {
    if ((inline?.length ?? 0) > 0 || scripts.length > 0 || script !== "") r.problem("command", TOO_MANY_OPTIONS);
    else inline = [command];
  }
  if (script !== "") {
    if (scripts.length > 0 || (inline?.length ?? 0) > 0) r.problem("script", TOO_MANY_OPTIONS);
    else scripts = [script];
  }
  // Packer tests `Inline != nil` here: even an empty `inline` list conflicts with scripts.
  if (scripts.length > 0 && inline !== undefined) r.problem("inline", TOO_MANY_OPTIONS);

  for (const path of scripts) {
    try {
      statSync(resolve(ctx.cwd, path));
    } catch (e) {
      r.problem(r.has("scripts") ? "scripts" : "script", `Bad script '${path}': ${statErrorText(path, e)}`);
    }
  }
  for (const os of onlyOn) {
    if (!(SUPPORTED_ONLY_ON as readonly string[]).includes(os)) {
      r.problem("only_on", `Invalid OS specified in only_on: '${os}'\nSupported OS names: ${SUPPORTED_ONLY_ON.join(", ")}`);
    }
  }
  if (useLinuxPathing) {
    // Packer turns `C:\x` into `/mnt/c/x` for WSL; a POSIX absolute path has no drive, which
    // Packer 1.6.6 reports as an error on every OS.
    for (const path of scripts) {
      const abs = resolve(ctx.cwd, path).replace(/\\/g, "/");
      if (!abs.includes(":/")) {
        r.problem(
          "use_linux_pathing",
          `There was an error splitting your absolute path; expected to find a drive following the format ':/' but did not: absolute path: ${abs}`,
        );
      }
    }
    if ((inline?.length ?? 0) > 0) {
      r.problem(
        "use_linux_pathing",
        "Packer is unable to use the Command and Inline features with the Windows Linux Subsystem. Please use the Script or Scripts options instead",
      );
    }
  }
  for (const kv of environmentVars) {
    const eq = kv.indexOf("=");
    if (eq <= 0) r.problem("environment_vars", `Environment variable not in format 'key=value': ${kv}`);
  }
  r.finish();

  return {
    inline: scripts.length > 0 ? undefined : inline,
    scripts,
    environmentVars,
    env,
    executeCommand,
    inlineShebang,
    onlyOn,
    tempfileExtension,
    useLinuxPathing,
    validExitCodes,
    envVarFormat,
  };
}


/** Go's *PathError text for a failed stat: `stat <path>: no such file or directory`. */
function statErrorText(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const reason = code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : (e as Error).message;
  return `stat ${path}: ${reason}`;
}
