/** Running machines: startvm and controlvm. */
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { chooseAccelerator } from "../../../agent/builders/qemu/accelerator.js";
import { oneOf, type ArgReader } from "./args.js";
import { machineLocked, notImplemented, VBoxManageError } from "./errors.js";
import { addNatRule, deleteNatRule, parseNatRule } from "./nat-rules.js";
import { buildQemuCommand, hostfwd, netdevId, OVMF_VARS } from "./qemu-command.js";
import { runtimeFiles } from "./runtime-files.js";
import { inputSendEventArgs, parseScancodes } from "./scancodes.js";
import { isActive, machineState, powerOff, startVmProcess, withQmp } from "./session.js";
import { findMachine, loadGlobal, saveMachine } from "./store.js";

/**
 * Pause between key events: QEMU 7.2's PS/2 keyboard queue holds 16 bytes and drops the rest, and
 * a BIOS or boot loader polling it under TCG reads slowly, so events are fed one at a time.
 */
const KEY_EVENT_GAP_MS = 10;

export async function startvm(r: ArgReader): Promise<void> {
  const key = r.positional("a VM name or UUID");
  let type = "gui";
  for (let opt; (opt = r.option()); ) {
    if (opt.name === "--type") type = oneOf(opt, r.value(opt), ["gui", "headless", "sdl", "separate"] as const, ["gui", "headless", "sdl"] as const);
    else throw r.unknown(opt);
  }
  if (!r.done) throw notImplemented(`startvm: more than one VM (${r.peek()})`);
  const rm = findMachine(loadGlobal(), key);
  const files = runtimeFiles(rm.folder, rm.machine.name);
  if (isActive(machineState(files, rm.machine.uuid))) throw machineLocked(rm.machine.name);
  if (type !== "headless") process.stderr.write(`Kiln's VBoxManage stand-in: --type ${type} runs the VM headless (QEMU without a display)\n`);
  const accel = (await chooseAccelerator("auto")).accel as "kvm" | "tcg";
  const command = buildQemuCommand(rm.machine, files, accel);
  mkdirSync(files.logs, { recursive: true });
  if (rm.machine.firmware === "EFI" && !existsSync(files.nvram)) copyFileSync(OVMF_VARS, files.nvram);
  process.stdout.write(`Waiting for VM "${rm.machine.name}" to power on...\n`);
  await startVmProcess(files, command);
  if (command.unpluggedNetdevs.length) {
    await withQmp(files, async (qmp) => {
      for (const id of command.unpluggedNetdevs) await qmp.execute("set_link", { name: id, up: false });
    });
  }
  process.stdout.write(`VM "${rm.machine.name}" has been successfully started.\n`);
}

export async function controlvm(r: ArgReader): Promise<void> {
  const g = loadGlobal();
  const rm = findMachine(g, r.positional("a VM name or UUID"));
  const action = r.positional("an action");
  const files = runtimeFiles(rm.folder, rm.machine.name);
  if (machineState(files, rm.machine.uuid) !== "running") {
    throw new VBoxManageError(`Machine '${rm.machine.name}' is not currently running`);
  }
  const natpf = /^natpf(\d)$/.exec(action);
  if (natpf) {
    const nic = rm.machine.nics[Number(natpf[1]) - 1];
    if (!nic || nic.mode !== "nat") throw new VBoxManageError(`NIC ${natpf[1]} is not attached to NAT`);
    const spec = r.positional("a rule or delete");
    if (spec === "delete") {
      const rule = deleteNatRule(nic, r.positional("the name of the rule to delete"));
      await withQmp(files, (qmp) => qmp.execute("human-monitor-command", { "command-line": `hostfwd_remove ${netdevId(Number(natpf[1]) - 1)} ${rule.protocol}:${rule.hostIp}:${rule.hostPort}` }));
    } else {
      const rule = parseNatRule(spec);
      addNatRule(nic, rule);
      const reply = await withQmp(files, (qmp) => qmp.execute("human-monitor-command", { "command-line": `hostfwd_add ${netdevId(Number(natpf[1]) - 1)} ${hostfwd(rule)}` }));
      if (typeof reply === "string" && reply.trim()) throw new VBoxManageError(`QEMU refused the port forward: ${reply.trim()}`);
    }
    saveMachine(rm.settingsFile, rm.machine);
    return;
  }
  switch (action) {
    case "poweroff":
      await powerOff(files, rm.machine.uuid);
      process.stdout.write("0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n");
      return;
    case "acpipowerbutton":
      await withQmp(files, (qmp) => qmp.execute("system_powerdown"));
      return;
    case "reset":
      await withQmp(files, (qmp) => qmp.execute("system_reset"));
      return;
    case "keyboardputscancode": {
      const events = parseScancodes(r.rest());
      if (!events.length) throw new VBoxManageError("keyboardputscancode: no scan codes given");
      await withQmp(files, async (qmp) => {
        for (const e of events) {
          await qmp.execute("input-send-event", inputSendEventArgs(e));
          await sleep(KEY_EVENT_GAP_MS);
        }
      });
      return;
    }
    default:
      throw notImplemented(`controlvm ${action}`);
  }
}
