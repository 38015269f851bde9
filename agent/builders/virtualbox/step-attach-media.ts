/**
 * Packer's StepAttachISOs and StepAttachFloppy: the boot ISO (virtualbox-iso), the cd_files ISO
 * and the guest additions ISO (guest_additions_mode attach) as DVD drives on the ports Packer
 * uses, and the floppy image on a floppy controller of its own. Each attachment remembers the
 * command that undoes it: StepRemoveDevices runs them before export, this step's cleanup runs
 * them after a failure.
 */
import { errorMessage } from "../../../shared/error-message.js";
import { realpath } from "node:fs/promises";
import type { Step } from "../../runner/steps.js";
import type { CdReady } from "../common/step-cd-files.js";
import type { FloppyReady } from "../common/step-floppy.js";
import type { GuestAdditionsReady } from "./step-guest-additions.js";
import type { DriverReady, VmReady } from "./state.js";
import type { VBoxManage } from "./vboxmanage.js";

export type MediaKind = "boot_iso" | "cd_files" | "guest_additions" | "floppy";

export interface MediaAttached {
  /** What detaches each medium, in attach order. Emptied once StepRemoveDevices ran them. */
  detach: { kind: MediaKind; args: string[] }[];
}

export interface AttachOptions {
  /** Boot from the downloaded ISO (virtualbox-iso); virtualbox-ovf has none. */
  bootIso?: () => string;
  isoInterface: "ide" | "sata";
  guestAdditionsInterface: string;
}

/** Controller, port and device per medium, as Packer's StepAttachISOs places them. */
function placement(kind: Exclude<MediaKind, "floppy">, sata: boolean): [string, string, string] {
  switch (kind) {
    case "boot_iso":
      return sata ? ["SATA Controller", "1", "0"] : ["IDE Controller", "0", "1"];
    case "guest_additions":
      return sata ? ["SATA Controller", "2", "0"] : ["IDE Controller", "1", "0"];
    case "cd_files":
      return sata ? ["SATA Controller", "3", "0"] : ["IDE Controller", "1", "1"];
  }
}

export function stepAttachMedia(options: AttachOptions): Step<DriverReady & VmReady & CdReady & FloppyReady & GuestAdditionsReady, MediaAttached> {
  const attached: MediaAttached = { detach: [] };
  return {
    name: "attach media",
    async run(ctx, state) {
      const { vbox, vmName } = state;
      const isos: [Exclude<MediaKind, "floppy">, string][] = [];
      if (options.bootIso) isos.push(["boot_iso", options.bootIso()]);
      if (state.cdPath) isos.push(["cd_files", state.cdPath]);
      if (state.guestAdditionsAttach) isos.push(["guest_additions", state.guestAdditionsAttach]);
      ctx.ui.say("Mounting ISOs...");
      if (isos.length === 0) ctx.ui.message("No ISOs to mount; continuing...");
      for (const [kind, file] of isos) {
        const sata = kind === "guest_additions" ? options.guestAdditionsInterface === "sata" : options.isoInterface === "sata";
        const [controller, port, device] = placement(kind, sata);
        ctx.ui.message(kind === "boot_iso" ? "Mounting boot ISO..." : kind === "cd_files" ? "Mounting cd_files ISO..." : "Mounting guest additions ISO...");
        const where = ["storageattach", vmName, "--storagectl", controller, "--port", port, "--device", device, "--type", "dvddrive"];
        const medium = await realpath(file).catch((e: unknown) => {
          throw new Error(`Error resolving symlink for ISO: ${errorMessage(e)}`);
        });
        await vbox.run([...where, "--medium", medium], ctx.signal).catch((e: unknown) => {
          throw new Error(`Error attaching ISO: ${errorMessage(e)}`);
        });
        attached.detach.push({ kind, args: [...where, "--medium", "none"] });
      }
      if (state.floppyPath) await attachFloppy(ctx.signal, vbox, vmName, state.floppyPath, (m) => ctx.ui.say(m), attached);
      return attached;
    },
    async cleanup(ctx, { vbox }) {
      for (const { args } of attached.detach.splice(0).reverse()) {
        await vbox.run(args).catch((e: unknown) => ctx.ui.error(`error detaching media: ${errorMessage(e)}`));
      }
    },
  };
}

async function attachFloppy(signal: AbortSignal, vbox: VBoxManage, vmName: string, floppyPath: string, say: (m: string) => void, attached: MediaAttached): Promise<void> {
  say("Deleting any current floppy disk...");
  // An imported VM may bring a floppy controller (type I82078) under any name.
  const info = await vbox.vmInfo(vmName, signal);
  for (const [key, value] of info) {
    const m = /^storagecontrollertype(\d+)$/.exec(key);
    if (m && value === "I82078") {
      const name = info.get(`storagecontrollername${m[1]}`);
      if (name) await vbox.run(["storagectl", vmName, "--name", name, "--remove"], signal);
    }
  }
  say("Attaching floppy disk...");
  await vbox.run(["storagectl", vmName, "--name", "Floppy Controller", "--add", "floppy"], signal).catch((e: unknown) => {
    throw new Error(`Error creating floppy controller: ${errorMessage(e)}`);
  });
  const where = ["storageattach", vmName, "--storagectl", "Floppy Controller", "--port", "0", "--device", "0"];
  await vbox.run([...where, "--type", "fdd", "--medium", floppyPath], signal).catch((e: unknown) => {
    throw new Error(`Error attaching floppy: ${errorMessage(e)}`);
  });
  attached.detach.push({ kind: "floppy", args: [...where, "--medium", "none"] });
}
