/**
 * Which QEMU accelerator a build uses. `/dev/kvm` existing is not enough: kvm_pvm (software
 * nested virtualisation) provides it too and ordinary guests die on it with "emulation failure",
 * so KVM counts as working only with kvm_intel or kvm_amd loaded and /dev/kvm openable (the same
 * test as the agent's probe: kvm-probe.ts).
 */
import { probeKvm } from "./kvm-probe.js";

export interface AcceleratorChoice {
  accel: string;
  /** Said to the user when Kiln chose for them. */
  warning?: string;
}

export async function kvmWorks(sysModuleDir = "/sys/module", device = "/dev/kvm"): Promise<boolean> {
  return (await probeKvm(sysModuleDir, device)).ok;
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
