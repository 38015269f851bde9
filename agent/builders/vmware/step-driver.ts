/**
 * Packer's NewDriver and VerifyOvfTool, before any step: the local Workstation or Player driver,
 * and ovftool when the build exports to OVF/OVA. ESXi (remote_type esx5) validates as in Packer
 * but is refused here: Kiln drives only a VMware on the build's own host.
 */
import { errorMessage } from "../../../shared/error-message.js";
import type { VmwareCommonConfig as Config } from "../../../shared/components/builders/vmware-common.js";
import { findOnPath } from "../../host-probe/index.js";
import type { Step } from "../../runner/steps.js";
import { findVmwareDriver } from "./driver.js";
import type { DriverReady } from "./state.js";

export function stepDriver(config: Config): Step<object, DriverReady> {
  return {
    name: "vmware driver",
    async run(ctx) {
      if (config.driver.remoteType !== "") {
        throw new Error(`building on ESXi is not supported by Kiln; remote_type "${config.driver.remoteType}" (remote_host ${config.driver.remoteHost}) validates as in Packer, but the build must run on a host with VMware Workstation or Player: remove the remote_* keys`);
      }
      const vmware = await findVmwareDriver().catch((e: unknown) => {
        throw new Error(`Failed creating VMware driver: ${errorMessage(e)}`);
      });
      if (!config.skipExport && !(await findOnPath(process.env, "ovftool"))) {
        throw new Error("Couldn't find ovftool in path! Please either set `skip_export = true` and remove the `format` option from your template, or make sure ovftool is installed on your build system. ");
      }
      ctx.ui.message(`Using ${vmware.description} (${vmware.identity.vmrun})`);
      return { vmware };
    },
  };
}
