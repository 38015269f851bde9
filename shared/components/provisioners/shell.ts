import path from "node:path";
import { ConfigReader } from "../config-reader.js";
import { goStatError } from "../go-stat-error.js";
import type { ComponentSchema } from "../types.js";

/** Packer's `shell` provisioner: uploads scripts (or inline commands) to the machine and runs them. */
export interface Config {
  /** `inline` commands, already interpolated once (re-rendered at run time with generated data, as Packer does); undefined when not set or empty. */
  inline?: string[];
  /** `script` and `scripts`, as written (relative paths resolve against the working directory). */
  scripts: string[];
  /** `environment_vars`: `KEY=value` entries. */
  environmentVars: string[];
  /** `env`: wins over `environment_vars` entries of the same name. */
  env: Record<string, string>;
  /** Go format with two `%s`: name, then value. */
  envVarFormat: string;
  /** Not yet rendered: `{{.Path}}`, `{{.Vars}}` and `{{.EnvVarFile}}` are known only at run time. */
  executeCommand: string;
  inlineShebang: string;
  remoteFolder: string;
  remoteFile: string;
  remotePath: string;
  skipClean: boolean;
  expectDisconnect: boolean;
  /** Empty means `[0]`. */
  validExitCodes: number[];
  startRetryTimeoutMs: number;
  pauseAfterMs: number;
  useEnvVarFile: boolean;
  /** Upload scripts as they are (no CRLF → LF conversion). */
  binary: boolean;
}

export const schema: ComponentSchema<Config> = {
  kind: "provisioner",
  type: "shell",
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "provisioner", interpolation: ctx.interpolation, renderLater: ["execute_command"] });
    // Go's nil and empty slices differ in Packer's checks: an empty inline counts as "not set".
    const inlineList = r.has("inline") ? r.stringList("inline") : [];
    const inline = inlineList.length > 0 ? inlineList : undefined;
    const script = r.string("script", "");
    let scripts = r.stringList("scripts");
    const environmentVars = r.stringList("environment_vars");
    const env = r.stringMap("env");
    const useEnvVarFile = r.bool("use_env_var_file");
    const envVarFormat = r.string("env_var_format", useEnvVarFile ? "export %s='%s'\n" : "%s='%s' ");
    const executeCommand = r.string(
      "execute_command",
      useEnvVarFile ? "chmod +x {{.Path}}; . {{.EnvVarFile}} && {{.Path}}" : "chmod +x {{.Path}}; {{.Vars}} {{.Path}}",
    );
    const remoteFolder = r.string("remote_folder", "/tmp");
    // Packer picks a random name so that concurrent builds on one machine do not collide.
    const remoteFile = r.string("remote_file", `script_${Math.floor(Math.random() * 9999)}.sh`);
    const remotePath = r.string("remote_path", `${remoteFolder}/${remoteFile}`);
    const config: Config = {
      inline,
      scripts,
      environmentVars,
      env,
      envVarFormat,
      executeCommand,
      inlineShebang: r.string("inline_shebang", "/bin/sh -e"),
      remoteFolder,
      remoteFile,
      remotePath,
      skipClean: r.bool("skip_clean"),
      expectDisconnect: r.bool("expect_disconnect"),
      validExitCodes: r.intList("valid_exit_codes"),
      startRetryTimeoutMs: r.duration("start_retry_timeout", 0) || 5 * 60_000,
      pauseAfterMs: r.duration("pause_after", 0),
      useEnvVarFile,
      binary: r.bool("binary"),
    };

    // Packer 1.6.6's checks and messages, in its order.
    if (script !== "" && scripts.length > 0) r.problem("script", "Only one of script or scripts can be specified.");
    if (script !== "") scripts = [script];
    config.scripts = scripts;
    if (scripts.length === 0 && inline === undefined) {
      r.problem(undefined, "Either a script file or inline script must be specified.");
    } else if (scripts.length > 0 && inline !== undefined) {
      r.problem("inline", "Only a script file or an inline script can be specified, not both.");
    }
    for (const s of scripts) {
      const why = goStatError(path.resolve(ctx.cwd, s), s);
      if (why) r.problem(r.has("script") ? "script" : "scripts", `Bad script '${s}': ${why}`);
    }
    for (const kv of environmentVars) {
      const eq = kv.indexOf("=");
      if (eq <= 0) r.problem("environment_vars", `Environment variable not in format 'key=value': ${kv}`);
    }
    r.finish();
    return config;
  },
};


