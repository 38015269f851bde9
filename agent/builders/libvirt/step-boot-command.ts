/**
 * Packer's boot_wait and boot_command, typed through the QEMU monitor libvirt keeps
 * (QMP `input-send-event`): the same key events, holds and waits as the qemu builder's typer, so a
 * boot command behaves identically in both builders. (virDomainSendKey sends one chord per call
 * and drops repeated keys inside it, which makes it a poor typist: libvirt-lab.md.)
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Config } from "../../../shared/components/builders/libvirt.js";
import type { Step } from "../../runner/steps.js";
import { parseBootCommands, renderBootCommands, resolveKeyIntervalMs, typeBootActions, type QmpCommandSink } from "../common/boot-command/index.js";
import type { DomainDefined } from "./step-define-domain.js";

export function stepBootCommand(config: Config): Step<DomainDefined, object> {
  return {
    name: "type boot command",
    async run(ctx, state) {
      const { bootCommand, bootWaitMs, bootKeyGroupIntervalMs } = config.boot;
      if (bootCommand.length === 0) return {};
      if (bootWaitMs > 0) {
        ctx.ui.say(`Waiting ${bootWaitMs / 1000}s for boot...`);
        await sleep(bootWaitMs, undefined, { signal: ctx.signal });
      }
      const rendered = renderBootCommands(bootCommand, ctx.prepare.interpolation, { HTTPIP: "", HTTPPort: "", Name: config.domainName });
      const plan = parseBootCommands(rendered, bootKeyGroupIntervalMs);
      for (const w of plan.warnings) ctx.ui.error(`boot_command: ${w}`);
      ctx.ui.say("Typing the boot command...");
      const qmp: QmpCommandSink = {
        async execute(command, args) {
          const answer = await state.domain.monitor(JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}) }), false);
          const parsed = JSON.parse(answer) as { error?: { desc?: string } };
          if (parsed.error) throw new Error(`QEMU refused ${command}: ${parsed.error.desc ?? answer}`);
          return parsed;
        },
      };
      await typeBootActions(qmp, plan.actions, { keyIntervalMs: resolveKeyIntervalMs(0), signal: ctx.signal });
      return {};
    },
  };
}
