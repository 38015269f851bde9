/**
 * Powering a VM on and off: `vmrun start` reads the .vmx, records a generated MAC in it as VMware
 * does at first power-on, starts QEMU detached (-daemonize: the VM outlives vmrun, as a VMware VM
 * outlives the vmrun that started it), sets the VNC password over QMP and lets the CPU run.
 * `vmrun stop hard` is pulling the plug (QMP quit); `soft` presses the ACPI power button and
 * waits for the guest to power off (VMware asks VMware Tools instead; guests here have none).
 * Knobs (environment): KILN_VMWARE_STAND_IN_QEMU (the QEMU binary), _ACCEL (tcg by default:
 * KVM does not work on these hosts), _SOFT_STOP_MS (120000), _CONSOLE (a folder: adds a serial
 * port logging the guest console there, for debugging only, since it is not in the .vmx).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { join } from "node:path";
import { QmpClient } from "../../../agent/builders/qemu/qmp.js";
import { planNat, type NatPlan } from "./host-network.js";
import { readMachineSpec } from "./machine-spec.js";
import { NOT_IMPLEMENTED, StandInError } from "./product.js";
import { qemuArgv } from "./qemu-argv.js";
import { forgetVm, isStandInQemu, recordVm, runningVm, vmStateDir, type RunningVm } from "./vm-registry.js";
import { readVmx, updateVmx } from "./vmx-file.js";

const QEMU = process.env.KILN_VMWARE_STAND_IN_QEMU ?? "qemu-system-x86_64";

/** VMware's generated MACs: its OUI 00:0c:29 and three bytes of its own. */
function generateMac(): string {
  return ["00", "0c", "29", ...[...randomBytes(3)].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

async function qemuHasDevice(name: string): Promise<boolean> {
  const { stdout } = await promisify(execFile)(QEMU, ["-device", "help"]);
  return new RegExp(`name "${name}"`).test(stdout);
}

export async function startVm(vmx: string): Promise<void> {
  if (runningVm(vmx)) throw new StandInError(`The virtual machine is already running: ${vmx}`);
  const entries = readVmx(vmx);
  const spec = readMachineSpec(vmx, entries);
  if (spec.scsiControllers.some((c) => c.model === "buslogic") && !(await qemuHasDevice("buslogic"))) {
    throw new StandInError(`${vmx}: BusLogic SCSI: this QEMU has no BusLogic controller, so it is ${NOT_IMPLEMENTED}`);
  }
  const recorded: Record<string, string> = {};
  for (const nic of spec.nics) {
    if (!nic.macIsNew) continue;
    nic.mac = generateMac();
    recorded[`ethernet${nic.index}.generatedAddress`] = nic.mac;
    recorded[`ethernet${nic.index}.generatedAddressOffset`] = "0";
  }
  const nets = new Map<number, NatPlan>(spec.nics.map((nic) => [nic.index, planNat(nic.connection, nic.mac)]));
  if (Object.keys(recorded).length > 0) updateVmx(vmx, recorded);

  const dir = vmStateDir(vmx);
  forgetVm(vmx);
  mkdirSync(dir, { recursive: true });
  const runtime = {
    qmpSocket: join(dir, "qmp.sock"),
    pidFile: join(dir, "qemu.pid"),
    accelerator: process.env.KILN_VMWARE_STAND_IN_ACCEL ?? "tcg",
    ...(process.env.KILN_VMWARE_STAND_IN_CONSOLE ? { consoleLog: join(process.env.KILN_VMWARE_STAND_IN_CONSOLE, `${spec.displayName || "vm"}-${Date.now()}.log`) } : {}),
  };
  const argv = qemuArgv(spec, nets, runtime);
  try {
    // With -daemonize QEMU exits once the VM is set up (or failed to be), leaving the VM running.
    await promisify(execFile)(QEMU, argv, { timeout: 60_000 });
  } catch (e) {
    forgetVm(vmx);
    const stderr = (e as { stderr?: string }).stderr?.trim();
    throw new StandInError(`${vmx}: QEMU did not start: ${stderr || (e as Error).message}`);
  }
  const pid = Number(readFileSync(runtime.pidFile, "utf8").trim());
  const vm: RunningVm = { vmx, pid, qmpSocket: runtime.qmpSocket, guestIps: [...nets.values()].map((n) => n.guestIp), startedAt: new Date().toISOString() };
  recordVm(vm);
  try {
    const qmp = await QmpClient.connect(runtime.qmpSocket, { timeoutMs: 15_000 });
    try {
      if (spec.vnc?.password) await qmp.execute("set_password", { protocol: "vnc", password: spec.vnc.password });
      await qmp.execute("cont");
    } finally {
      qmp.close();
    }
  } catch (e) {
    await killQemu(vm);
    throw new StandInError(`${vmx}: could not set the VM up over QMP: ${(e as Error).message}`);
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isStandInQemu(pid)) return true;
    await sleep(100);
  }
  return !isStandInQemu(pid);
}

async function killQemu(vm: RunningVm): Promise<void> {
  try {
    process.kill(vm.pid, "SIGKILL");
  } catch {
    // already gone
  }
  await waitGone(vm.pid, 10_000);
  forgetVm(vm.vmx);
}

export async function stopVm(vmx: string, mode: "hard" | "soft" | undefined): Promise<void> {
  const vm = runningVm(vmx);
  if (!vm) throw new StandInError(`The virtual machine is not powered on: ${vmx}`);
  const powerOff = mode ?? (existsSync(vmx) && /^\s*powertype\.poweroff\s*=\s*"hard"/im.test(readFileSync(vmx, "utf8")) ? "hard" : "soft");
  let qmp: QmpClient | undefined;
  try {
    qmp = await QmpClient.connect(vm.qmpSocket, { timeoutMs: 10_000 });
    if (powerOff === "hard") {
      await qmp.execute("quit").catch(() => undefined); // QEMU may close the socket before answering
    } else {
      await qmp.execute("system_powerdown");
    }
  } catch {
    // No QMP: fall through to waiting, then killing.
  } finally {
    qmp?.close();
  }
  const softMs = Number(process.env.KILN_VMWARE_STAND_IN_SOFT_STOP_MS ?? 120_000);
  if (await waitGone(vm.pid, powerOff === "hard" ? 10_000 : softMs)) return void forgetVm(vmx);
  if (powerOff === "soft") throw new StandInError(`The guest did not power off within ${softMs / 1000} s of the ACPI power button: ${vmx}`);
  await killQemu(vm);
}
