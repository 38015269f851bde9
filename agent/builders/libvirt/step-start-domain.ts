/**
 * Starts the domain with VIR_DOMAIN_START_AUTODESTROY: libvirtd destroys it the moment this
 * process's connection goes away, so a killed agent leaves no running guest behind. Cleanup
 * destroys it if it still runs (failure, cancel, or after a clean shutdown: nothing to do).
 */
import type { Step } from "../../runner/steps.js";
import type { DomainDefined } from "./step-define-domain.js";

export function stepStartDomain(): Step<DomainDefined, object> {
  return {
    name: "start domain",
    async run(ctx, state) {
      ctx.ui.say(`Starting domain ${state.domain.name}`);
      await state.domain.start({ autodestroy: true });
      return {};
    },
    async cleanup(ctx, state) {
      if (await state.domain.isActive()) {
        ctx.ui.say(`Destroying domain ${state.domain.name}`);
        await state.domain.destroy();
      }
    },
  };
}
