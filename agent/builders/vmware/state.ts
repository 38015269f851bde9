/** The typed state the vmware steps pass along (Packer's state bag keys, named). */
import type { VmwareDriver } from "./driver.js";

export interface DriverReady {
  vmware: VmwareDriver;
}

export interface VmxReady {
  /** The build's .vmx in the output directory (Packer's vmx_path). */
  vmxPath: string;
  /** The network name the VM is on (nat, hostonly…, or custom): Packer's vmnetwork. */
  network: string;
  /** Every disk to compact after shutdown (Packer's disk_full_paths). */
  diskPaths: string[];
  /** Devices added only for the build (boot CD, floppy), disabled again by StepCleanVMX. */
  temporaryDevices: string[];
}

/** Set by the builder once the artifact is complete: cleanups keep what a successful build made. */
export interface BuildOutcome {
  succeeded: boolean;
}

/** A .vmx entry marking a VM with the pid of the Kiln process that runs it, for the reaper. */
export const OWNER_VMX_KEY = "kiln.owner";
