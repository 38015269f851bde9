/**
 * Real hardware virtualisation: kvm_intel or kvm_amd loaded and /dev/kvm usable. `/dev/kvm`
 * alone is not enough: kvm_pvm (software nested virtualisation) provides it too, and ordinary
 * guests die under it with emulation failures (see notes/vm-lab.md). One test for the agent's
 * probe (the `kvm` capability) and the qemu builder's accelerator choice.
 */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { join } from "node:path";

export interface KvmCheck {
  ok: boolean;
  /** What was found, for the agent's probe report and errors. */
  why: string;
}

export async function probeKvm(sysModuleDir = "/sys/module", device = "/dev/kvm"): Promise<KvmCheck> {
  let loaded: string | undefined;
  for (const m of ["kvm_intel", "kvm_amd"]) if (await exists(join(sysModuleDir, m))) loaded = m;
  if (!loaded) {
    const pvm = await exists(join(sysModuleDir, "kvm_pvm"));
    return { ok: false, why: pvm ? "only kvm_pvm is loaded (software nested virtualisation, not usable for ordinary guests)" : "neither kvm_intel nor kvm_amd is loaded" };
  }
  try {
    await access(device, constants.R_OK | constants.W_OK);
  } catch {
    return { ok: false, why: `${loaded} is loaded but ${device} is missing or not read/writable by this user` };
  }
  return { ok: true, why: `${loaded}, ${device}` };
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}
