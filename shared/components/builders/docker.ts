import { readDockerLogin, type DockerLoginConfig } from "../docker-login.js";
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigReader } from "../config-reader.js";
import type { BuilderSchema } from "../types.js";
import { readCommunicatorConfig, type CommunicatorConfig } from "../communicator/ssh.js";

/** Packer's `docker` builder configuration (every key of Packer 1.6.6). */
export interface Config extends DockerLoginConfig {
  communicator: CommunicatorConfig;
  author?: string;
  changes: string[];
  commit: boolean;
  containerDir: string;
  device: string[];
  discard: boolean;
  capAdd: string[];
  capDrop: string[];
  execUser?: string;
  exportPath?: string;
  image: string;
  message?: string;
  privileged: boolean;
  pull: boolean;
  /** `os/arch[/variant]` of the image to pull (newer Packer docker plugins' `platform`). */
  platform?: string;
  /** Raw templates: rendered when the container starts (`{{.Image}}`). */
  runCommand: string[];
  tmpfs: string[];
  volumes: Record<string, string>;
  fixUploadOwner: boolean;
  windowsContainer: boolean;
}

export const schema: BuilderSchema<Config> = {
  kind: "builder",
  type: "docker",
  needs: ["docker"],
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "builder", interpolation: ctx.interpolation, renderLater: ["run_command"] });
    const windowsContainer = r.bool("windows_container");
    let runCommand = r.stringList("run_command");
    if (runCommand.length === 0) {
      runCommand = ["-d", "-i", "-t", `--entrypoint=${windowsContainer ? "powershell" : "/bin/sh"}`, "--", "{{.Image}}"];
    }
    const communicator = readCommunicatorConfig(r, { cwd: ctx.cwd, defaultType: windowsContainer ? "dockerWindowsContainer" : "docker" });
    const image = r.string("image", "");
    const commit = r.bool("commit");
    const discard = r.bool("discard");
    const exportPath = r.string("export_path", "");

    if (image === "") r.problem("image", "Image must be specified");
    const outcomes = [commit, discard, exportPath !== ""].filter(Boolean).length;
    if (outcomes > 1) r.problem("commit", "Cannot specify more than one of commit, discard, and export_path");
    if (outcomes === 0) r.problem(undefined, "No instructions given for handling the artifact; expected commit, discard, or export_path");
    if (exportPath !== "" && isDirectory(resolve(ctx.cwd, exportPath))) r.problem("export_path", "export_path must be a file, not a directory");
    const login = readDockerLogin(r);

    const config: Config = {
      communicator,
      author: r.string("author") || undefined,
      changes: r.stringList("changes"),
      commit,
      containerDir: r.string("container_dir", "") || (windowsContainer ? "c:/packer-files" : "/packer-files"),
      device: r.stringList("device"),
      discard,
      capAdd: r.stringList("cap_add"),
      capDrop: r.stringList("cap_drop"),
      execUser: r.string("exec_user") || undefined,
      exportPath: exportPath || undefined,
      image,
      message: r.string("message") || undefined,
      privileged: r.bool("privileged"),
      // Packer pulls unless `pull` is given (and false).
      pull: r.has("pull") ? r.bool("pull") : true,
      platform: r.string("platform") || undefined,
      runCommand,
      tmpfs: r.stringList("tmpfs"),
      volumes: r.stringMap("volumes"),
      fixUploadOwner: r.bool("fix_upload_owner", true),
      windowsContainer,
      ...login,
    };
    // Packer 1.6.6 decodes `pty` but never uses it (the container always gets -t from run_command).
    r.accept("pty");
    r.finish();
    return config;
  },
};

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
