/** Unregisters a VM and deletes its files (Packer's driver.Delete), powering it off first if needed. */
import { errorMessage } from "../../../shared/error-message.js";
import type { RunContext } from "../../runner/context.js";
import type { VBoxManage } from "./vboxmanage.js";

/** `knownStopped`: the shutdown step saw the VM stop, so VirtualBox need not be asked again. */
export async function removeVm(ctx: RunContext, vbox: VBoxManage, vmName: string, knownStopped = false): Promise<void> {
  // Cleanups run after a cancel: the build's signal is aborted, so these commands run without it.
  if (!knownStopped && (await vbox.isRunning(vmName).catch(() => false))) await vbox.run(["controlvm", vmName, "poweroff"]).catch(() => undefined);
  ctx.ui.say("Deregistering and deleting VM...");
  try {
    await vbox.run(["unregistervm", vmName, "--delete"]);
  } catch (e) {
    ctx.ui.error(`Error deleting VM: ${errorMessage(e)}`);
  }
}
