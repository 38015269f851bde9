/**
 * Packer's NewDriver: find VBoxManage and ask its version (which also proves VirtualBox is set
 * up: without its kernel driver the version output says "vboxdrv").
 */
import { errorMessage } from "../../../shared/error-message.js";
import type { Step } from "../../runner/steps.js";
import type { DriverReady } from "./state.js";
import { findVBoxManage, VBoxManage } from "./vboxmanage.js";

export function stepDriver(): Step<object, DriverReady> {
  return {
    name: "virtualbox driver",
    async run(ctx) {
      const binary = await findVBoxManage();
      if (!binary) throw new Error("Failed creating VirtualBox driver: VBoxManage not found on PATH or in VBOX_INSTALL_PATH; install VirtualBox on this host");
      const vbox = new VBoxManage({ binary });
      const vboxVersion = await vbox.version(ctx.signal).catch((e: unknown) => {
        throw new Error(`Failed creating VirtualBox driver: ${errorMessage(e)}`);
      });
      return { vbox, vboxVersion };
    },
  };
}
