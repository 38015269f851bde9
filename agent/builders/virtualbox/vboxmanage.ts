/**
 * VirtualBox's control program, as Packer's driver (builder/virtualbox/common/driver_4_2.go) runs
 * it: VBoxManage from VBOX_INSTALL_PATH or PATH, failing on a non-zero exit or on a
 * "VBoxManage: error:" line even with exit 0, retrying a busy VM (VBOX_E_INVALID_OBJECT_STATE,
 * a session lock that a VM powering off still holds for a moment).
 */
import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export class VBoxManageError extends Error {
  constructor(readonly args: readonly string[], readonly stderr: string, readonly exitCode: number | string) {
    super(`VBoxManage error: ${stderr || `exit ${exitCode}`}`);
  }
}

export interface VBoxManageOptions {
  /** Absolute path of VBoxManage (see findVBoxManage). */
  binary: string;
  env?: NodeJS.ProcessEnv;
  /** Pause before retrying a command that met a locked VM (Packer waits a minute; 5 tries). */
  busyRetryMs?: number;
}

/** VBoxManage on this host: the VBOX_INSTALL_PATH folders first (as Packer on Windows and Linux), then PATH. */
export async function findVBoxManage(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const dirs = [...(env.VBOX_INSTALL_PATH ?? "").split(path.delimiter), ...(env.PATH ?? "").split(path.delimiter)].filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.join(dir, "VBoxManage");
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

export class VBoxManage {
  constructor(private readonly options: VBoxManageOptions) {}

  /** Runs one command; resolves with its stdout. */
  async run(args: readonly string[], signal?: AbortSignal): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(args, signal);
      } catch (e) {
        const busy = e instanceof VBoxManageError && e.stderr.includes("VBOX_E_INVALID_OBJECT_STATE");
        if (!busy || attempt >= 5) throw e;
        await sleep(this.options.busyRetryMs ?? 2_000, undefined, { signal });
      }
    }
  }

  /** `VBoxManage --version`, e.g. "7.0.20r163906" → "7.0.20" (Packer's Version()). */
  async version(signal?: AbortSignal): Promise<string> {
    const out = (await this.once(["--version"], signal)).trim();
    if (out.includes("vboxdrv")) throw new Error(`VirtualBox is not properly setup: ${out}`);
    const m = /^([.0-9]+)(?:_(?:RC|OSEr)[0-9]+)?/.exec(out);
    if (!m) throw new Error(`No version found: ${out}`);
    return m[1]!;
  }

  /** `showvminfo NAME --machinereadable` as key → value (quotes removed). */
  async vmInfo(name: string, signal?: AbortSignal): Promise<Map<string, string>> {
    return parseMachineReadable(await this.once(["showvminfo", name, "--machinereadable"], signal));
  }

  /** Running, stopping or paused: the VM still holds its disks (Packer's IsRunning). */
  async isRunning(name: string, signal?: AbortSignal): Promise<boolean> {
    const state = (await this.vmInfo(name, signal)).get("VMState");
    return state === "running" || state === "stopping" || state === "paused";
  }

  /** Names of the registered VMs (`list vms`: `"name" {uuid}` lines). */
  async listVms(signal?: AbortSignal): Promise<{ name: string; uuid: string }[]> {
    const out = await this.once(["list", "vms"], signal);
    return [...out.matchAll(/^"(.*)" \{([0-9a-fA-F-]+)\}$/gm)].map((m) => ({ name: m[1]!, uuid: m[2]! }));
  }

  private once(args: readonly string[], signal?: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.binary, args, { stdio: ["ignore", "pipe", "pipe"], env: this.options.env ?? process.env, signal });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.on("error", (e) => reject(e.name === "AbortError" ? e : new Error(`${this.options.binary}: ${e.message}`)));
      child.on("close", (code, sig) => {
        const stderr = err.trim();
        if (code !== 0) reject(new VBoxManageError(args, stderr, code ?? sig ?? "?"));
        else if (/VBoxManage([.a-z]+?): error:/.test(stderr)) reject(new VBoxManageError(args, stderr, 0));
        else resolve(out);
      });
    });
  }
}

/** `key="value"` / `key=value` lines (showvminfo, guestproperty…) into a map. */
export function parseMachineReadable(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^("?)(.+?)\1=(.*)$/.exec(line.replace(/\r$/, ""));
    if (!m) continue;
    let value = m[3]!;
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    out.set(m[2]!, value);
  }
  return out;
}
