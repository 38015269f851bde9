/**
 * Packer starts the container with `docker run <run_command>`; Kiln talks to the API, so the
 * `docker run` flags a template may use are translated into a create request here. Flags that
 * make no sense for a build container (or that Kiln does not know) are refused by name.
 */
import type Docker from "dockerode";

export interface RunRequest {
  image: string;
  entrypoint?: string[];
  cmd: string[];
  tty: boolean;
  openStdin: boolean;
  host: Docker.HostConfig;
  env: string[];
  labels: Record<string, string>;
  user?: string;
  workingDir?: string;
  hostname?: string;
}

/** Flags whose value is the next argument (or after "="). */
const VALUE_FLAGS = new Set([
  "--entrypoint", "--network", "--net", "-v", "--volume", "--cap-add", "--cap-drop", "-e", "--env", "-l", "--label",
  "-u", "--user", "-w", "--workdir", "-h", "--hostname", "--tmpfs", "--name", "--platform", "--memory", "-m", "--shm-size",
]);
/** Accepted and ignored: detaching and removal are how Kiln always runs build containers. */
const IGNORED_BOOL_FLAGS = new Set(["-d", "--detach", "--rm"]);

export function parseRunCommand(args: readonly string[]): RunRequest {
  const req: RunRequest = { image: "", cmd: [], tty: false, openStdin: false, host: {}, env: [], labels: {} };
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-")) break;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (IGNORED_BOOL_FLAGS.has(flag)) continue;
    if (/^-[dit]+$/.test(flag)) {
      if (flag.includes("i")) req.openStdin = true;
      if (flag.includes("t")) req.tty = true;
      continue;
    }
    if (flag === "--interactive") { req.openStdin = true; continue; }
    if (flag === "--tty") { req.tty = true; continue; }
    if (flag === "--privileged") { req.host.Privileged = true; continue; }
    if (!VALUE_FLAGS.has(flag)) throw new Error(`run_command: the docker run flag "${flag}" is not supported by Kiln; remove it or use the builder's own keys`);
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      const next = args[++i];
      if (next === undefined) throw new Error(`run_command: "${flag}" needs a value`);
      value = next;
    }
    applyValueFlag(req, flag, value);
  }
  const image = args[i];
  if (image === undefined || image === "") throw new Error("run_command: no image given (it must contain {{.Image}})");
  req.image = image;
  req.cmd = args.slice(i + 1);
  return req;
}

function applyValueFlag(req: RunRequest, flag: string, value: string): void {
  switch (flag) {
    case "--entrypoint": req.entrypoint = value === "" ? [] : [value]; break;
    case "--network": case "--net": req.host.NetworkMode = value; break;
    case "-v": case "--volume": (req.host.Binds ??= []).push(value); break;
    case "--cap-add": (req.host.CapAdd ??= []).push(value); break;
    case "--cap-drop": (req.host.CapDrop ??= []).push(value); break;
    case "-e": case "--env": req.env.push(value.includes("=") ? value : `${value}=${process.env[value] ?? ""}`); break;
    case "-l": case "--label": {
      const at = value.indexOf("=");
      req.labels[at < 0 ? value : value.slice(0, at)] = at < 0 ? "" : value.slice(at + 1);
      break;
    }
    case "-u": case "--user": req.user = value; break;
    case "-w": case "--workdir": req.workingDir = value; break;
    case "-h": case "--hostname": req.hostname = value; break;
    case "--tmpfs": addTmpfs(req.host, value); break;
    case "--shm-size": req.host.ShmSize = byteSize(value, flag); break;
    case "--memory": case "-m": req.host.Memory = byteSize(value, flag); break;
    // Kiln names containers itself (so parallel builds never clash) and picks the platform from `platform`.
    case "--name": case "--platform": break;
  }
}

/** `/run` or `/run:rw,size=64m`, as `docker run --tmpfs` takes it. */
export function addTmpfs(host: Docker.HostConfig, spec: string): void {
  const at = spec.indexOf(":");
  (host.Tmpfs ??= {})[at < 0 ? spec : spec.slice(0, at)] = at < 0 ? "" : spec.slice(at + 1);
}

function byteSize(value: string, flag: string): number {
  const m = /^(\d+)([bkmg]?)$/i.exec(value);
  if (!m) throw new Error(`run_command: ${flag} "${value}" is not a size like 64m`);
  const unit = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as "" | "b" | "k" | "m" | "g"];
  return Number(m[1]) * unit;
}
