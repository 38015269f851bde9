/**
 * The state half of a libvirt warm restore: the domain was started waiting for its saved state
 * (`-incoming defer`); the snapshot's RAM and devices are streamed in and the guest continues
 * where the saved one was, its sshd up. A snapshot QEMU cannot load is removed, so the next -warm
 * build boots cold and saves a new one.
 */
import { errorMessage } from "../../../../shared/error-message.js";
import type { Step } from "../../../runner/steps.js";
import { discard } from "../../common/warm/index.js";
import type { DomainDefined } from "../step-define-domain.js";
import { loadStateFrom } from "./migration-stream.js";
import type { LibvirtWarmReady } from "./step-warm-plan.js";

export function stepWarmResume(): Step<LibvirtWarmReady & DomainDefined, object> {
  return {
    name: "warm snapshot restore",
    async run(ctx, state) {
      const { warm } = state;
      if (warm.mode !== "restore") return {};
      ctx.ui.say("Restoring the warm snapshot into the domain");
      try {
        await loadStateFrom(state.domain, warm.snapshot.statePath, ctx.signal);
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        await discard(warm.snapshot);
        throw new Error(`QEMU could not restore the warm snapshot (removed; the next -warm build boots cold and saves a new one): ${errorMessage(e)}`);
      }
      return {};
    },
  };
}
