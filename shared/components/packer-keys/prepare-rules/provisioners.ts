/**
 * Provisioners: powershell's and windows-shell's scripts and environment variables, salt-masterless's
 * folders and files, chef-solo's local paths, chef-client's server_url and inspec's profile, as
 * Prepare in Packer v1.6.6's provisioner/<name> checks them.
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { goStatError, goStatErrorIn } from "../../go-stat-error.js";
import { required } from "./prepare-rule.js";
import type { PrepareRule } from "./prepare-rule.js";

/** powershell and windows-shell: exactly one of inline, script, scripts; scripts must exist. */
export const windowsScripts: PrepareRule = (r, ctx) => {
  const script = r.string("script", "");
  const scripts = r.stringList("scripts");
  const inlineGiven = r.value("inline") !== undefined && r.value("inline") !== null;
  r.stringList("inline");
  if (script !== "" && scripts.length > 0) r.problem("scripts", "Only one of script or scripts can be specified.");
  const all = script !== "" ? [script] : scripts;
  if (all.length === 0 && !inlineGiven) r.problem(undefined, "Either a script file or inline script must be specified.");
  else if (all.length > 0 && inlineGiven) r.problem("inline", "Only a script file or an inline script can be specified, not both.");
  for (const path of all) {
    const why = goStatError(resolve(ctx.cwd, path), path);
    if (why) r.problem(script !== "" ? "script" : "scripts", `Bad script '${path}': ${why}`);
  }
  for (const kv of r.stringList("environment_vars")) {
    if (!kv.includes("=") || kv.startsWith("=")) r.problem("environment_vars", `Environment variable not in format 'key=value': ${kv}`);
  }
};

/** salt-masterless: its folders and files, as validateDirConfig/validateFileConfig check them. */
export const saltMasterless: PrepareRule = (r, ctx) => {
  // validateDirConfig / validateFileConfig: exists, and is a folder (or not).
  const check = (key: string, want: "directory" | "file", isRequired = false): void => {
    const path = r.string(key, "");
    if (path === "") {
      if (isRequired) r.problem(key, `${key} cannot be empty`);
      return;
    }
    const absolute = resolve(ctx.cwd, path);
    const why = goStatError(absolute, path);
    if (why) r.problem(key, `${key}: path '${path}' is invalid: ${why}`);
    else if (statSync(absolute).isDirectory() !== (want === "directory")) r.problem(key, `${key}: path '${path}' must point to a ${want}`);
  };
  check("local_state_tree", "directory", true);
  const formulas = r.stringList("formulas");
  if (formulas.some((f) => !f.includes("//"))) r.problem("formulas", "Invalid formula URL. Please verify the git URLs also contain a '//' subdir");
  check("local_pillar_roots", "directory");
  check("minion_config", "file");
  if (r.string("minion_config", "") !== "" && (r.string("remote_state_tree", "") !== "" || r.string("remote_pillar_roots", "") !== "")) {
    r.problem("minion_config", "remote_state_tree and remote_pillar_roots only apply when minion_config is not used");
  }
  check("grains_file", "file");
};

/**
 * chef-solo: the local folders and files it uploads must exist, as its Prepare stats them. Go
 * formats the nil error of a path that exists but is the wrong kind as "%!s(<nil>)".
 */
export const chefSolo: PrepareRule = (r, ctx) => {
  const kindError = (path: string, wantDirectory: boolean): string | undefined => {
    const why = goStatErrorIn(ctx.cwd, path);
    if (why) return why;
    return statSync(resolve(ctx.cwd, path)).isDirectory() === wantDirectory ? undefined : "%!s(<nil>)";
  };
  const configTemplate = r.string("config_template", "");
  if (configTemplate !== "") {
    const why = goStatErrorIn(ctx.cwd, configTemplate);
    if (why) r.problem("config_template", `Bad config template path: ${why}`);
    else if (statSync(resolve(ctx.cwd, configTemplate)).isDirectory()) r.problem("config_template", "Config template path must be a file: %!s(<nil>)");
  }
  for (const path of r.stringList("cookbook_paths")) {
    const why = kindError(path, true);
    if (why) r.problem("cookbook_paths", `Bad cookbook path '${path}': ${why}`);
  }
  const checks: [key: string, what: string, wantDirectory: boolean][] = [
    ["roles_path", "roles path", true],
    ["data_bags_path", "data bags path", true],
    ["encrypted_data_bag_secret_path", "encrypted data bag secret", false],
    ["environments_path", "environments path", true],
  ];
  for (const [key, what, wantDirectory] of checks) {
    const path = r.string(key, "");
    const why = path === "" ? undefined : kindError(path, wantDirectory);
    if (why) r.problem(key, `Bad ${what} '${path}': ${why}`);
  }
};

export const chefClient: PrepareRule = (r) => void required(r, "server_url", "server_url must be set");

export const inspec: PrepareRule = (r) => void required(r, "profile", "profile must be specified.");
