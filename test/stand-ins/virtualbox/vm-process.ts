/**
 * The VM process of Kiln's VBoxManage stand-in (VirtualBox's VBoxHeadless): started detached by
 * `startvm`, it runs QEMU, records its pid, waits for it and records how it ended, so the
 * machine state is "poweroff" after a guest power-off and "aborted" after a kill. Usage (startvm
 * only): node vm-process.js QEMU_COMMAND_JSON SESSION_JSON POWEROFF_MARKER
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import type { QemuCommand } from "./qemu-command.js";
import type { SessionRecord } from "./session.js";
import { writeJsonAtomic } from "./store.js";

const [commandFile, sessionFile, poweroffMarker] = process.argv.slice(2);
if (!commandFile || !sessionFile || !poweroffMarker) {
  console.error("usage: vm-process.js QEMU_COMMAND_JSON SESSION_JSON POWEROFF_MARKER");
  process.exit(2);
}
const command = JSON.parse(readFileSync(commandFile, "utf8")) as QemuCommand;
const say = (line: string) => console.log(`${new Date().toISOString()} vm-process: ${line}`);

const session: SessionRecord = { vmProcessPid: process.pid, startedAt: new Date().toISOString() };
writeJsonAtomic(sessionFile, session);
say(`starting ${command.file} ${command.args.map((a) => JSON.stringify(a)).join(" ")}`);
const qemu = spawn(command.file, command.args, { stdio: ["ignore", "inherit", "inherit"] });
qemu.on("error", (e) => {
  say(`could not start ${command.file}: ${e.message}`);
  finish(null, null);
});
if (qemu.pid !== undefined) {
  session.qemuPid = qemu.pid;
  writeJsonAtomic(sessionFile, session);
}
qemu.on("exit", (code, signal) => finish(code, signal));
// Someone stopping the VM process stops the VM with it (it ends up "aborted", as in VirtualBox).
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  process.on(sig, () => {
    say(`${sig}: stopping QEMU`);
    qemu.kill("SIGKILL");
  });
}

function finish(code: number | null, signal: NodeJS.Signals | null): void {
  const poweroffRequested = existsSync(poweroffMarker!);
  say(`QEMU ended: exit code ${code}, signal ${signal}${poweroffRequested ? " (power-off requested)" : ""}`);
  session.exit = { code, signal, poweroffRequested, at: new Date().toISOString() };
  writeJsonAtomic(sessionFile!, session);
  process.exit(0);
}
