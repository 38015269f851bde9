/** The typed state the virtualbox steps pass along (Packer's state bag keys, named). */
import type { VBoxManage } from "./vboxmanage.js";

export interface DriverReady {
  vbox: VBoxManage;
  /** e.g. "7.0.20" */
  vboxVersion: string;
}

export interface VmReady {
  /** The registered VM (vm_name). */
  vmName: string;
}

export interface PortForwardReady {
  /** Where the communicator connects on 127.0.0.1; 0 without a communicator. */
  commHostPort: number;
}

/** Set by the builder once the artifact is complete: cleanups keep what a successful build made. */
export interface BuildOutcome {
  succeeded: boolean;
  /** Set by the shutdown step once VirtualBox reports the VM stopped: cleanups need not ask again. */
  stopped?: boolean;
}

/** extradata key marking a VM with the pid of the Kiln process that made it (for the reaper). */
export const OWNER_EXTRADATA_KEY = "kiln/owner";
