/**
 * Packer's StepVBoxManage: the template's `vboxmanage` (before boot) or `vboxmanage_post` (after
 * shutdown) commands, each argument rendered with `{{ .Name }}`, `{{ .HTTPIP }}`, `{{ .HTTPPort }}`.
 */
import { errorMessage } from "../../../shared/error-message.js";
import { render } from "../../../shared/template/interpolate/index.js";
import type { Step } from "../../runner/steps.js";
import type { HttpServerReady } from "../common/step-http-server.js";
import type { DriverReady, VmReady } from "./state.js";

export function stepVBoxManage(commands: readonly string[][], key: "vboxmanage" | "vboxmanage_post"): Step<DriverReady & VmReady & HttpServerReady, object> {
  return {
    name: key,
    async run(ctx, { vbox, vmName, httpIp, httpPort }) {
      if (commands.length > 0) ctx.ui.say("Executing custom VBoxManage commands...");
      const data = { ...ctx.prepare.interpolation.data, Name: vmName, HTTPIP: httpIp, HTTPPort: httpPort };
      for (const [i, original] of commands.entries()) {
        const command = original.map((arg, j) => {
          try {
            return render(arg, { ...ctx.prepare.interpolation, data });
          } catch (e) {
            throw new Error(`Error preparing vboxmanage command: ${key}[${i}][${j}]: ${errorMessage(e)}`);
          }
        });
        ctx.ui.message(`Executing: ${command.join(" ")}`);
        await vbox.run(command, ctx.signal).catch((e: unknown) => {
          throw new Error(`Error executing command: ${errorMessage(e)}`);
        });
      }
      return {};
    },
  };
}
