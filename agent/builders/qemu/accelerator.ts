/**
 * Which QEMU accelerator a build uses. `/dev/kvm` existing is not enough: kvm_pvm (software
 * nested virtualisation) provides it too and ordinary guests die on it with "emulation failure",
 * so KVM counts as working only with kvm_intel or kvm_amd loaded and /dev/kvm openable (the same
 * test as the agent's probe).
 */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { join } from "node:path";

export interface AcceleratorChoice {
  accel: string;
  /** Said to the user when Kiln chose for them. */
  warning?: string;
}

export async function kvmWorks(sysModuleDir = "/sys/module", device = "/dev/kvm"): Promise<boolean> {
  let module = false;
  for (const m of ["kvm_intel", "kvm_amd"]) if (await exists(join(sysModuleDir, m))) module = true;
  if (!module) return false;
  try {
    await access(device, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** `configured` is the config's accelerator ("auto" when unset). */
export async function chooseAccelerator(configured: string, kvmUsable: () => Promise<boolean> = kvmWorks): Promise<AcceleratorChoice> {
  if (configured === "auto") {
    if (await kvmUsable()) return { accel: "kvm" };
    return { accel: "tcg", warning: "accelerator: KVM is not usable on this host (no kvm_intel/kvm_amd module or /dev/kvm not accessible); using TCG software emulation, which is much slower. Set \"accelerator\": \"tcg\" to silence this." };
  }
  if (configured === "kvm" && !(await kvmUsable())) {
    throw new Error("accelerator: \"kvm\" was asked for but KVM does not work on this host (kvm_intel/kvm_amd not loaded or /dev/kvm not accessible); use \"tcg\", leave accelerator unset, or build on a host with hardware virtualisation");
  }
  return { accel: configured };
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}
