/**
 * Kiln's VBoxManage stand-in: VirtualBox cannot be installed here, so the virtualbox builders are
 * tested against this program, which answers VBoxManage's command line as VirtualBox 7 documents
 * it (same commands, flags, output formats and error lines) and runs each machine as a real
 * QEMU guest (see qemu-command.ts for the device mapping, session.ts for the VM lifecycle).
 *
 * What it is not: VRDE settings are recorded but no RDP server runs; audio, clipboard, drag and
 * drop, shared folders and similar settings are recorded without effect (no guest additions);
 * snapshots, cloning, host-only/bridged networking and guest control are not implemented. Any
 * command, flag or value it does not implement is refused with exit code 1 and a
 * `VBoxManage: error: ... (not implemented by Kiln's VBoxManage stand-in)` line, never ignored.
 * Run through bin/VBoxManage (compiled to dist/test/stand-ins/virtualbox/vboxmanage.js).
 */
import { ArgReader } from "./args.js";
import { createvm, getextradata, guestproperty, list, registervm, setextradata, setproperty, sharedfolder, unregistervm } from "./cmd-machines.js";
import { exportAppliance } from "./cmd-export.js";
import { importAppliance } from "./cmd-import.js";
import { modifyvm } from "./cmd-modifyvm.js";
import { controlvm, startvm } from "./cmd-run.js";
import { showvminfo } from "./cmd-showvminfo.js";
import { closemedium, createmedium, storageattach, storagectl } from "./cmd-storage.js";
import { notImplemented, VBoxManageError } from "./errors.js";
import { withHomeLock } from "./store.js";

/** VirtualBox 7.0.20, the version the stand-in follows. */
export const VERSION = "7.0.20r163906";

type Command = (r: ArgReader) => Promise<void>;

/** Commands that change state run under the home's lock; the rest only read. */
const commands: Record<string, { run: Command; changes: boolean }> = {
  list: { run: list, changes: false },
  showvminfo: { run: showvminfo, changes: false },
  getextradata: { run: getextradata, changes: false },
  guestproperty: { run: guestproperty, changes: false },
  createvm: { run: createvm, changes: true },
  registervm: { run: registervm, changes: true },
  unregistervm: { run: unregistervm, changes: true },
  modifyvm: { run: modifyvm, changes: true },
  storagectl: { run: storagectl, changes: true },
  storageattach: { run: storageattach, changes: true },
  createhd: { run: (r) => createmedium(r, true), changes: true },
  createmedium: { run: (r) => createmedium(r, false), changes: true },
  closemedium: { run: closemedium, changes: true },
  setextradata: { run: setextradata, changes: true },
  setproperty: { run: setproperty, changes: true },
  sharedfolder: { run: sharedfolder, changes: true },
  startvm: { run: startvm, changes: true },
  controlvm: { run: controlvm, changes: true },
  export: { run: exportAppliance, changes: true },
  import: { run: importAppliance, changes: true },
};

async function main(argv: string[]): Promise<number> {
  let i = 0;
  while (argv[i] === "-q" || argv[i] === "--nologo") i++;
  const name = argv[i];
  if (name === "--version" || name === "-V" || name === "-v") {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (name === undefined) {
    process.stdout.write(`Kiln's VBoxManage stand-in (VirtualBox ${VERSION} command line)\nUsage: VBoxManage [-q] <command> [args]\nCommands: ${Object.keys(commands).join(", ")}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) throw notImplemented(`unknown command '${name}'`);
  const r = new ArgReader(argv.slice(i + 1), name);
  if (command.changes) await withHomeLock(() => command.run(r));
  else await command.run(r);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    const lines = e instanceof VBoxManageError ? e.lines() : [`VBoxManage: error: ${(e as Error).stack ?? String(e)}`];
    process.stderr.write(lines.join("\n") + "\n");
    process.exitCode = 1;
  },
);
