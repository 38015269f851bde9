/**
 * Which VMs the stand-in has powered on, shared by every vmrun invocation: one folder per VM
 * under the state directory (KILN_VMWARE_STAND_IN_STATE, default $TMPDIR/kiln-vmware-stand-in)
 * with the QEMU pid, its QMP socket and the .vmx path, plus a `<name>.vmx.lck` file next to the
 * .vmx while it runs (as VMware keeps one; packer waits for lock files to go after a shutdown).
 * A VM whose QEMU has gone (the guest powered off) is forgotten the next time anyone looks.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pidAlive } from "../../../agent/builders/common/pid-alive.js";
import { PROCESS_TAG } from "./qemu-argv.js";

export interface RunningVm {
  vmx: string;
  pid: number;
  qmpSocket: string;
  /** Where the guest's DHCP address and SSH-able forwards came from, for getGuestIPAddress. */
  guestIps: string[];
  startedAt: string;
}

export function stateRoot(): string {
  return process.env.KILN_VMWARE_STAND_IN_STATE ?? join(tmpdir(), "kiln-vmware-stand-in");
}

/** The VM's own state folder (short: unix socket paths are limited to 108 bytes). */
export function vmStateDir(vmx: string): string {
  return join(stateRoot(), createHash("sha256").update(vmx).digest("hex").slice(0, 16));
}

export function lockFile(vmx: string): string {
  return `${vmx}.lck`;
}

/** True when `pid` is still the stand-in's QEMU (not a recycled pid). */
export function isStandInQemu(pid: number): boolean {
  if (!pidAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(`process=${PROCESS_TAG}`);
  } catch {
    return false;
  }
}

export function recordVm(vm: RunningVm): void {
  const dir = vmStateDir(vm.vmx);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "vm.json"), JSON.stringify(vm, null, 2));
  writeFileSync(lockFile(vm.vmx), `${vm.pid}\n`);
}

export function forgetVm(vmx: string): void {
  rmSync(lockFile(vmx), { force: true });
  rmSync(vmStateDir(vmx), { recursive: true, force: true });
}

function readRecord(dir: string): RunningVm | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "vm.json"), "utf8")) as RunningVm;
  } catch {
    return undefined;
  }
}

/** The running VM of `vmx`, if any (forgetting it when its QEMU has exited). */
export function runningVm(vmx: string): RunningVm | undefined {
  const vm = readRecord(vmStateDir(vmx));
  if (!vm) return undefined;
  if (isStandInQemu(vm.pid)) return vm;
  forgetVm(vm.vmx);
  return undefined;
}

/** Every running VM recorded under `root`, oldest first. */
export function runningVms(root = stateRoot()): RunningVm[] {
  let dirs: string[];
  try {
    dirs = readdirSync(root);
  } catch {
    return [];
  }
  const vms: RunningVm[] = [];
  for (const name of dirs) {
    const vm = readRecord(join(root, name));
    if (!vm) continue;
    if (isStandInQemu(vm.pid)) {
      vms.push(vm);
    } else {
      rmSync(lockFile(vm.vmx), { force: true });
      rmSync(join(root, name), { recursive: true, force: true });
    }
  }
  return vms.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}
