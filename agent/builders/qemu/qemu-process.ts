/**
 * A running QEMU: its child process, a promise of its exit, and a hard stop. QEMU carries
 * KILN_QEMU_OWNER=<agent pid> in its environment so a reaper can find VMs whose owner died.
 */
import { spawn, type ChildProcess } from "node:child_process";

export const QEMU_OWNER_ENV = "KILN_QEMU_OWNER";

export interface QemuProcess {
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) when QEMU is gone. */
  exited: Promise<string>;
  isRunning(): boolean;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
  stderr(): string;
}

export function startQemu(binary: string, args: readonly string[]): QemuProcess {
  const child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, [QEMU_OWNER_ENV]: String(process.pid) } });
  let err = "";
  let running = true;
  child.stderr!.on("data", (d: Buffer) => {
    if (err.length < 64_000) err += d.toString();
  });
  const exited = new Promise<string>((resolve) => {
    child.once("error", (e) => {
      running = false;
      err += e.message;
      resolve("spawn error");
    });
    child.once("exit", (code, signal) => {
      running = false;
      resolve(signal ?? String(code));
    });
  });
  return {
    child,
    exited,
    isRunning: () => running,
    async kill() {
      if (running) child.kill("SIGKILL");
      await exited;
    },
    stderr: () => err.trim(),
  };
}
