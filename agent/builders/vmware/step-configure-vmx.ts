/**
 * Packer's StepConfigureVMX, run twice: before boot with vmx_data (and the floppy and cd_files
 * CD attached), after shutdown with vmx_data_post. Each run answers VMware's dialogs itself
 * (msg.autoanswer), asks for a new UUID, drops generated MAC addresses (a clone must not share
 * its source's), and keeps displayName and extendedConfigFile in step with the VM's name.
 * Before boot the VM is also marked with this process's pid (kiln.owner) for the reaper.
 */
import { errorMessage } from "../../../shared/error-message.js";
import type { Step } from "../../runner/steps.js";
import type { CdReady } from "../common/step-cd-files.js";
import type { FloppyReady } from "../common/step-floppy.js";
import { diskAndCdromTypes } from "./disk-cdrom-types.js";
import { OWNER_VMX_KEY, type VmxReady } from "./state.js";
import { readVmx, writeVmx, type VmxData } from "./vmx-file.js";

export interface ConfigureVmxOptions {
  customData: Readonly<Record<string, string>>;
  vmName: string;
  displayName: string;
  /** Before boot: attach the floppy and cd_files CD, mark the owner. After shutdown: neither. */
  beforeBoot: boolean;
  diskAdapterType: string;
  cdromAdapterType: string;
}

/** Applies the options to `vmx` in place; returns the display name (Packer's display_name state). */
export function configureVmx(vmx: VmxData, options: ConfigureVmxOptions, media: { floppyPath?: string; cdPath?: string }, temporaryDevices: string[]): string {
  vmx.set("msg.autoanswer", "true");
  vmx.set("uuid.action", "create");
  for (const key of [...vmx.keys()]) if (/^ethernet\d+\.generatedaddress$/.test(key)) vmx.delete(key);
  for (const [k, v] of Object.entries(options.customData)) vmx.set(k.toLowerCase(), v);
  if (options.beforeBoot) {
    vmx.set(OWNER_VMX_KEY, String(process.pid));
    if (media.floppyPath) {
      vmx.set("floppy0.present", "TRUE");
      vmx.set("floppy0.filetype", "file");
      vmx.set("floppy0.filename", media.floppyPath);
      temporaryDevices.push("floppy0");
    }
    if (media.cdPath) {
      const { CDROMType, CDROMType_PrimarySecondary } = diskAndCdromTypes(options.diskAdapterType, options.cdromAdapterType);
      const device = `${CDROMType}1:${CDROMType_PrimarySecondary}`;
      vmx.set(`${device}.present`, "TRUE");
      vmx.set(`${device}.filename`, media.cdPath);
      vmx.set(`${device}.devicetype`, "cdrom-image");
      // Packer leaves this CD attached; its ISO lives in the build's scratch folder, so Kiln detaches it like the boot CD.
      temporaryDevices.push(device);
    }
  }
  let displayName = options.displayName;
  if (displayName !== "") vmx.set("displayname", displayName);
  else {
    const fromVmx = vmx.get("displayname");
    if (fromVmx === undefined) throw new Error("Error: Could not get value of displayName from VMX data");
    displayName = fromVmx;
  }
  vmx.set("extendedconfigfile", `${options.displayName || options.vmName}.vmxf`);
  return displayName;
}

export function stepConfigureVmx(options: ConfigureVmxOptions): Step<VmxReady & FloppyReady & CdReady, object> {
  return {
    name: options.beforeBoot ? "configure vmx" : "configure vmx (vmx_data_post)",
    async run(_ctx, state) {
      const vmx = await readVmx(state.vmxPath).catch((e: unknown) => {
        throw new Error(`Error reading VMX file: ${errorMessage(e)}`);
      });
      configureVmx(vmx, options, state, state.temporaryDevices);
      await writeVmx(state.vmxPath, vmx).catch((e: unknown) => {
        throw new Error(`Error writing VMX file: ${errorMessage(e)}`);
      });
      return {};
    },
  };
}
