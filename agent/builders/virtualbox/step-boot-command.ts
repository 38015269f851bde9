/**
 * Packer's StepTypeBootCommand for VirtualBox: after boot_wait, the rendered boot_command as
 * PC/XT scancodes through `controlvm NAME keyboardputscancode`, in chunks of 25 bytes with the
 * key group interval (boot_keygroup_interval, PACKER_KEY_INTERVAL, 100 ms) after each chunk.
 */
import { errorMessage } from "../../../shared/error-message.js";
import { setTimeout as sleep } from "node:timers/promises";
import type { Config } from "../../../shared/components/builders/virtualbox-iso.js";
import type { Step } from "../../runner/steps.js";
import { parseBootCommands, renderBootCommands, resolveKeyIntervalMs } from "../common/boot-command/index.js";
import { scancodePlan } from "../common/boot-command/scancodes.js";
import type { HttpServerReady } from "../common/step-http-server.js";
import type { VmStarted } from "./step-start-vm.js";
import type { DriverReady, VmReady } from "./state.js";

export function stepBootCommand(boot: Config["boot"]): Step<DriverReady & VmReady & HttpServerReady & VmStarted, object> {
  return {
    name: "boot command",
    async run(ctx, { vbox, vmName, httpIp, httpPort }) {
      if (boot.bootWaitMs > 0) {
        ctx.ui.say(`Waiting ${boot.bootWaitMs / 1000}s for boot...`);
        await sleep(boot.bootWaitMs, undefined, { signal: ctx.signal });
      }
      if (boot.bootCommand.length === 0) return {};
      const rendered = renderBootCommands(boot.bootCommand, ctx.prepare.interpolation, { HTTPIP: httpIp, HTTPPort: httpPort, Name: vmName });
      const plan = parseBootCommands(rendered, 0);
      for (const warning of plan.warnings) ctx.ui.error(`boot_command: ${warning}`);
      const pauseMs = resolveKeyIntervalMs(boot.bootKeyGroupIntervalMs);
      ctx.ui.say("Typing the boot command...");
      for (const step of scancodePlan(plan.actions)) {
        if (step.kind === "wait") {
          await sleep(step.ms, undefined, { signal: ctx.signal });
          continue;
        }
        await vbox.run(["controlvm", vmName, "keyboardputscancode", ...step.codes], ctx.signal).catch((e: unknown) => {
          throw new Error(`Error running boot command: ${errorMessage(e)}`);
        });
        await sleep(pauseMs, undefined, { signal: ctx.signal });
      }
      return {};
    },
  };
}
