/**
 * Where the stand-in keeps its state, where VirtualBox keeps it: `$VBOX_USER_HOME` (default
 * ~/.config/VirtualBox on Linux) holds the global settings — the machine and media registries,
 * global extra data, system properties — as JSON in `VirtualBox.stand-in.json` (VirtualBox's own
 * is VirtualBox.xml). Machines live in their folders (`--basefolder`, else the default machine
 * folder: `setproperty machinefolder`, else ~/VirtualBox VMs, as VirtualBox 7 documents).
 * Commands that change state hold one lock per home for their whole run.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { machineNotFound, VBoxManageError } from "./errors.js";
import { SETTINGS_FORMAT, type DeviceType, type Machine } from "./machine.js";

export interface MediumRecord {
  uuid: string;
  path: string;
  deviceType: DeviceType;
  /** VDI, VMDK, VHD or RAW (ISO / floppy image). */
  format: string;
}

export interface GlobalSettings {
  format: typeof SETTINGS_FORMAT;
  machineFolder?: string;
  /** Settings files of the registered machines. */
  machines: string[];
  media: MediumRecord[];
  extraData: Record<string, string>;
}

export function vboxUserHome(): string {
  return process.env.VBOX_USER_HOME || join(homedir(), ".config/VirtualBox");
}

function globalFile(): string {
  return join(vboxUserHome(), "VirtualBox.stand-in.json");
}

export function loadGlobal(): GlobalSettings {
  const file = globalFile();
  if (!existsSync(file)) return { format: SETTINGS_FORMAT, machines: [], media: [], extraData: {} };
  return JSON.parse(readFileSync(file, "utf8")) as GlobalSettings;
}

export function saveGlobal(g: GlobalSettings): void {
  writeJsonAtomic(globalFile(), g);
}

export function defaultMachineFolder(g: GlobalSettings): string {
  return g.machineFolder ?? join(homedir(), "VirtualBox VMs");
}

export function settingsFileFor(baseFolder: string, name: string): string {
  return join(baseFolder, name, `${name}.vbox.stand-in.json`);
}

export function loadMachine(settingsFile: string): Machine {
  const m = JSON.parse(readFileSync(settingsFile, "utf8")) as Machine;
  if (m.format !== SETTINGS_FORMAT) throw new VBoxManageError(`${settingsFile} is not a settings file of Kiln's VBoxManage stand-in`);
  return m;
}

export function saveMachine(settingsFile: string, m: Machine): void {
  writeJsonAtomic(settingsFile, m);
}

export interface RegisteredMachine {
  machine: Machine;
  settingsFile: string;
  /** The machine's folder: logs, QMP socket, pid file and session record live here. */
  folder: string;
}

export function registeredMachines(g: GlobalSettings): RegisteredMachine[] {
  return g.machines.filter((f) => existsSync(f)).map((f) => ({ machine: loadMachine(f), settingsFile: f, folder: dirname(f) }));
}

/** A registered machine by name or UUID (braces allowed), as VBoxManage looks them up. */
export function findMachine(g: GlobalSettings, nameOrUuid: string): RegisteredMachine {
  const key = nameOrUuid.replace(/^\{(.*)\}$/, "$1");
  const all = registeredMachines(g);
  const hit = all.find((r) => r.machine.uuid === key) ?? all.find((r) => r.machine.name === nameOrUuid);
  if (!hit) throw machineNotFound(nameOrUuid);
  return hit;
}

export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n");
  renameSync(tmp, file);
}

/**
 * Runs `fn` holding the home's lock (a directory made with mkdir, which is atomic). A lock whose
 * holder died is taken over, so a killed VBoxManage never wedges the home.
 */
export async function withHomeLock<T>(fn: () => Promise<T>): Promise<T> {
  const home = vboxUserHome();
  mkdirSync(home, { recursive: true });
  const lock = join(home, ".stand-in.lock");
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (lockHolderDead(lock)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new VBoxManageError(`${lock} is held by another VBoxManage for more than 2 minutes`);
      await sleep(50);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function lockHolderDead(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, "pid"), "utf8"));
  } catch {
    // Its pid file follows the mkdir at once; a lock without one for seconds lost its holder in between.
    try {
      return Date.now() - statSync(lock).mtimeMs > 5_000;
    } catch {
      return false;
    }
  }
  return !processAlive(pid);
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
