/**
 * virtualbox-iso's stepCreateVM: register a new VM of `guest_os_type` that boots from disk, then
 * DVD, with the configured CPUs, memory, USB and audio. The VM is marked with this process's pid
 * (extradata) so an agent restarted after a crash can find and remove it. Removed again on
 * failure, cancel, or unless keep_registered after a successful build.
 */
import { errorMessage } from "../../../shared/error-message.js";
import type { Config } from "../../../shared/components/builders/virtualbox-iso.js";
import type { Step } from "../../runner/steps.js";
import { removeVm } from "./remove-vm.js";
import { OWNER_EXTRADATA_KEY, type BuildOutcome, type DriverReady, type VmReady } from "./state.js";

export function stepCreateVm(config: Config, outcome: BuildOutcome): Step<DriverReady, VmReady> {
  let created: string | undefined;
  return {
    name: "create vm",
    async run(ctx, { vbox }) {
      const name = config.vmName;
      // Packer runs one modifyvm per setting; VBoxManage takes them all in one call, and each
      // VBoxManage process costs a few hundred milliseconds (it starts, then talks to VBoxSVC).
      const audio = config.sound.toLowerCase() === "none" ? ["--audio", config.sound] : ["--audio", config.sound, "--audioin", "on", "--audioout", "on"];
      const commands: string[][] = [
        ["createvm", "--name", name, "--ostype", config.guestOsType, "--register"],
        ["modifyvm", name, "--boot1", "disk", "--boot2", "dvd", "--boot3", "none", "--boot4", "none", "--cpus", String(config.cpus), "--memory", String(config.memoryMb), "--usb", config.usb ? "on" : "off", ...audio],
        ["setextradata", name, OWNER_EXTRADATA_KEY, String(process.pid)],
      ];
      ctx.ui.say("Creating virtual machine...");
      for (const command of commands) {
        try {
          await vbox.run(command, ctx.signal);
        } catch (e) {
          throw new Error(`Error creating VM: ${errorMessage(e)}`);
        }
        created = name;
      }
      return { vmName: name };
    },
    async cleanup(ctx, { vbox }) {
      if (!created) return;
      if (config.keepRegistered && outcome.succeeded) {
        ctx.ui.say("Keeping virtual machine registered with VirtualBox host (keep_registered = true)");
        return;
      }
      await removeVm(ctx, vbox, created, outcome.stopped);
      created = undefined;
    },
  };
}
