/** The files a running (or once-run) machine has in its folder, beside its settings. */
import { join } from "node:path";

export interface RuntimeFiles {
  qmpSocket: string;
  qemuPidFile: string;
  /** The VM process's record: pids, then how QEMU ended (session.ts). */
  session: string;
  /** Made by `controlvm poweroff` before it stops QEMU, so the end reads "poweroff", not "aborted". */
  poweroffRequested: string;
  /** The QEMU command line startvm built, for the VM process to run. */
  qemuCommand: string;
  logs: string;
  /** QEMU's stderr and the VM process's own lines (VirtualBox's VBox.log). */
  vboxLog: string;
  /** The guest's first serial port. */
  serialLog: string;
  /** UEFI variables of an EFI machine (VirtualBox's <name>.nvram). */
  nvram: string;
}

export function runtimeFiles(folder: string, name: string): RuntimeFiles {
  const logs = join(folder, "Logs");
  return {
    qmpSocket: join(folder, "qmp.sock"),
    qemuPidFile: join(folder, "qemu.pid"),
    session: join(folder, "session.stand-in.json"),
    poweroffRequested: join(folder, "poweroff-requested.stand-in"),
    qemuCommand: join(folder, "qemu-command.stand-in.json"),
    logs,
    vboxLog: join(logs, "VBox.log"),
    serialLog: join(logs, "serial.log"),
    nvram: join(folder, `${name}.nvram`),
  };
}

/** Unix socket paths are limited to 107 bytes on Linux. */
export const MAX_SOCKET_PATH = 107;
