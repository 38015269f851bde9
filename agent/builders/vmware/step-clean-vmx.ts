/**
 * Packer's StepCleanVMX: what the build attached for itself comes off the .vmx before it is
 * handed over: the floppy (its keys removed, floppy0.present FALSE), the boot and cd_files CDs
 * (turned back into an empty host drive), the VNC server, and with
 * vmx_remove_ethernet_interfaces every ethernet key. Kiln's owner mark goes too.
 */
import { errorMessage } from "../../../shared/error-message.js";
import type { Step } from "../../runner/steps.js";
import { OWNER_VMX_KEY, type VmxReady } from "./state.js";
import { readVmx, writeVmx, type VmxData } from "./vmx-file.js";

export interface CleanVmxOptions {
  removeEthernetInterfaces: boolean;
  vncEnabled: boolean;
}

/** Applies the cleaning to `vmx` in place; `say` gets Packer's messages. */
export function cleanVmx(vmx: VmxData, temporaryDevices: readonly string[], options: CleanVmxOptions, say: (m: string) => void): void {
  const dropPrefix = (prefix: string): void => {
    for (const key of [...vmx.keys()]) if (key.startsWith(prefix)) vmx.delete(key);
  };
  for (const device of temporaryDevices) {
    if (device.startsWith("floppy")) {
      say(`Unmounting ${device} from VMX...`);
      dropPrefix(`${device}.`);
      vmx.set(`${device}.present`, "FALSE");
    } else if ((vmx.get(`${device}.devicetype`) ?? "").startsWith("cdrom-")) {
      say(`Detaching ISO from CD-ROM device ${device}...`);
      vmx.set(`${device}.devicetype`, "cdrom-raw");
      vmx.set(`${device}.filename`, "auto detect");
      vmx.set(`${device}.clientdevice`, "TRUE");
    } else if (device.startsWith("ethernet") && options.removeEthernetInterfaces) {
      say(`Removing ${device} interface...`);
      dropPrefix(`${device}.`);
    } else if (vmx.has(`${device}.present`)) {
      say(`Disabling device ${device} of an unknown device type...`);
      vmx.set(`${device}.present`, "FALSE");
    }
  }
  if (options.vncEnabled) {
    say("Disabling VNC server...");
    vmx.set("remotedisplay.vnc.enabled", "FALSE");
  }
  if (options.removeEthernetInterfaces) {
    say("Removing Ethernet Interfaces...");
    dropPrefix("ethernet");
  }
  vmx.delete(OWNER_VMX_KEY);
}

export function stepCleanVmx(options: CleanVmxOptions): Step<VmxReady, object> {
  return {
    name: "clean vmx",
    async run(ctx, { vmxPath, temporaryDevices }) {
      ctx.ui.say("Cleaning VMX prior to finishing up...");
      const vmx = await readVmx(vmxPath).catch((e: unknown) => {
        throw new Error(`Error reading VMX: ${errorMessage(e)}`);
      });
      cleanVmx(vmx, temporaryDevices, options, (m) => ctx.ui.message(m));
      await writeVmx(vmxPath, vmx).catch((e: unknown) => {
        throw new Error(`Error writing VMX: ${errorMessage(e)}`);
      });
      return {};
    },
  };
}
