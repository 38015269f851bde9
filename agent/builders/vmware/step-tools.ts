/**
 * Packer's StepPrepareTools and StepUploadTools: with tools_upload_flavor set, VMware's Tools ISO
 * of that flavor (/usr/lib/vmware/isoimages/FLAVOR.iso, or tools_source_path) must exist before
 * anything is built, and is uploaded to tools_upload_path (`{{ .Flavor }}` rendered) once the
 * guest is reachable. Without a flavor, nothing happens.
 */
import { errorMessage } from "../../../shared/error-message.js";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import type { VmwareToolsConfig } from "../../../shared/components/builders/vmware-common.js";
import { render } from "../../../shared/template/interpolate/index.js";
import type { Step } from "../../runner/steps.js";
import type { Connected } from "../common/step-connect.js";
import type { DriverReady } from "./state.js";

export interface ToolsReady {
  /** The Tools ISO on this host, when a flavor is set. */
  toolsSource?: string;
}

export function stepPrepareTools(tools: VmwareToolsConfig): Step<DriverReady, ToolsReady> {
  return {
    name: "prepare tools",
    async run(ctx, { vmware }) {
      if (tools.uploadFlavor === "") return {};
      const source = tools.sourcePath ? path.resolve(ctx.workDir, tools.sourcePath) : vmware.toolsIsoPath(tools.uploadFlavor);
      if (!(await stat(source).then(() => true, () => false))) {
        throw new Error(
          `Couldn't find VMware tools for '${tools.uploadFlavor}'! VMware often downloads these\ntools on-demand. However, to do this, you need to create a fake VM\nof the proper type then click the 'install tools' option in the\nVMware GUI. (looked for ${source})`,
        );
      }
      return { toolsSource: source };
    },
  };
}

export function stepUploadTools(tools: VmwareToolsConfig): Step<ToolsReady & Connected, object> {
  return {
    name: "upload tools",
    async run(ctx, { toolsSource, comm }) {
      if (tools.uploadFlavor === "" || !toolsSource) return {};
      ctx.ui.say(`Uploading the '${tools.uploadFlavor}' VMware Tools`);
      let target: string;
      try {
        target = render(tools.uploadPath, { ...ctx.prepare.interpolation, data: { ...ctx.prepare.interpolation.data, Flavor: tools.uploadFlavor } });
      } catch (e) {
        throw new Error(`Error preparing upload path: ${errorMessage(e)}`);
      }
      await comm.upload(target, createReadStream(toolsSource)).catch((e: unknown) => {
        throw new Error(`Error uploading VMware Tools: ${errorMessage(e)}`);
      });
      return {};
    },
  };
}
