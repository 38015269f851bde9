/**
 * A machine's run: startvm hands the QEMU command line to the VM process (vm-process.ts), which
 * runs QEMU detached in its own session (VirtualBox's VBoxHeadless) and writes down how QEMU
 * ended. The machine state comes from that record and the live processes: QEMU alive ->
 * "running"; QEMU gone, VM process still writing -> "stopping"; QEMU exited by itself (guest
 * power-off) or after `controlvm poweroff` -> "poweroff"; killed, crashed, or nobody recorded its
 * end -> "aborted", as VirtualBox reports a VM whose process died.
 */
import { spawn } from "node:child_process";
import { existsSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { QmpClient } from "../../../agent/builders/qemu/qmp.js";
import { VBoxManageError } from "./errors.js";
import type { QemuCommand } from "./qemu-command.js";
import { MAX_SOCKET_PATH, type RuntimeFiles } from "./runtime-files.js";
import { processAlive, writeJsonAtomic } from "./store.js";

export type VmState = "poweroff" | "starting" | "running" | "stopping" | "aborted";

export interface SessionRecord {
  vmProcessPid: number;
  qemuPid?: number;
  startedAt: string;
  exit?: { code: number | null; signal: string | null; poweroffRequested: boolean; at: string };
}

export function readSession(files: RuntimeFiles): SessionRecord | undefined {
  try {
    return JSON.parse(readFileSync(files.session, "utf8")) as SessionRecord;
  } catch {
    return undefined;
  }
}

/** A pid that is alive and still the QEMU of this machine (not a reused pid). */
export function isQemuOf(pid: number, uuid: string): boolean {
  if (!processAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(uuid);
  } catch {
    return false;
  }
}

export function machineState(files: RuntimeFiles, uuid: string): VmState {
  const s = readSession(files);
  if (!s) return "poweroff";
  if (s.exit) return s.exit.code === 0 || s.exit.poweroffRequested ? "poweroff" : "aborted";
  if (s.qemuPid !== undefined && isQemuOf(s.qemuPid, uuid)) return "running";
  if (processAlive(s.vmProcessPid)) return s.qemuPid === undefined ? "starting" : "stopping";
  return existsSync(files.poweroffRequested) ? "poweroff" : "aborted";
}

export function isActive(state: VmState): boolean {
  return state === "running" || state === "starting" || state === "stopping";
}

const vmProcessEntry = join(dirname(fileURLToPath(import.meta.url)), "vm-process.js");

/** Starts the VM process and returns once QEMU answers on QMP (or throws with QEMU's own error). */
export async function startVmProcess(files: RuntimeFiles, command: QemuCommand): Promise<void> {
  if (Buffer.byteLength(files.qmpSocket) > MAX_SOCKET_PATH) {
    throw new VBoxManageError(`the machine folder's path is too long for QEMU's QMP socket (${files.qmpSocket}, max ${MAX_SOCKET_PATH} bytes): use a shorter --basefolder or machine folder`);
  }
  for (const f of [files.session, files.poweroffRequested, files.qmpSocket, files.qemuPidFile]) rmSync(f, { force: true });
  writeJsonAtomic(files.qemuCommand, command);
  const log = openSync(files.vboxLog, "a");
  const child = spawn(process.execPath, [vmProcessEntry, files.qemuCommand, files.session, files.poweroffRequested], {
    detached: true, // its own session: the VM outlives this VBoxManage, like VirtualBox's VM process
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  child.unref();

  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = readSession(files);
    if (s?.exit || (!processAlive(child.pid!) && !s?.qemuPid)) {
      throw new VBoxManageError(`The virtual machine has terminated unexpectedly during startup: ${logTail(files.vboxLog)}`, "code NS_ERROR_FAILURE (0x80004005), component MachineWrap, interface IMachine");
    }
    if (s?.qemuPid && existsSync(files.qmpSocket)) {
      const qmp = await QmpClient.connect(files.qmpSocket, { timeoutMs: 2_000 }).catch(() => undefined);
      if (qmp) {
        qmp.close();
        return;
      }
    }
    if (Date.now() > deadline) throw new VBoxManageError(`QEMU did not answer on ${files.qmpSocket} within 60 s: ${logTail(files.vboxLog)}`);
    await sleep(100);
  }
}

function logTail(file: string): string {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-5).join(" | ");
  } catch {
    return "(no log)";
  }
}

/** Runs QMP commands on a running machine's QEMU (one client at a time, like QEMU's monitor). */
export async function withQmp<T>(files: RuntimeFiles, fn: (qmp: QmpClient) => Promise<T>): Promise<T> {
  const qmp = await QmpClient.connect(files.qmpSocket, { timeoutMs: 10_000 });
  try {
    return await fn(qmp);
  } finally {
    qmp.close();
  }
}

/**
 * Powers the machine off now (VirtualBox's "pull the plug"): QMP quit, then SIGKILL if QEMU has
 * not exited within 10 s. Returns when the VM process has recorded the end.
 */
export async function powerOff(files: RuntimeFiles, uuid: string): Promise<void> {
  writeFileSync(files.poweroffRequested, new Date().toISOString());
  const s = readSession(files);
  await withQmp(files, (qmp) => qmp.execute("quit")).catch(() => undefined); // QEMU may close the socket before answering
  const deadline = Date.now() + 20_000;
  let killed = false;
  while (!readSession(files)?.exit) {
    const qemuAlive = s?.qemuPid !== undefined && isQemuOf(s.qemuPid, uuid);
    if (!qemuAlive && !processAlive(s?.vmProcessPid ?? -1)) return; // nobody left to record it; the marker says poweroff
    if (Date.now() > deadline - 10_000 && qemuAlive && !killed && s?.qemuPid) {
      process.kill(s.qemuPid, "SIGKILL");
      killed = true;
    }
    if (Date.now() > deadline) throw new VBoxManageError("QEMU did not exit within 20 s of the power-off");
    await sleep(50);
  }
}
