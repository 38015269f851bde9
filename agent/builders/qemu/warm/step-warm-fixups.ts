/**
 * After a warm restore, before provisioning: the guest wakes with the clock and the kernel's
 * random pool it had when the snapshot was saved, identical in every build restored from it. The
 * clock is set to the host's time (as root, or through passwordless sudo) and 64 bytes of the
 * host's randomness are written into /dev/urandom, which mixes them into the pool, so two builds
 * from one snapshot diverge at once. SSH host keys are the base image's, exactly as after a cold
 * boot of that image (a cold build from the same base shares them too): nothing to fix there.
 */
import { randomBytes } from "node:crypto";
import type { Step } from "../../../runner/steps.js";
import type { Connected } from "../../common/step-connect.js";
import type { WarmReady } from "./step-warm-plan.js";

export function stepWarmFixups(): Step<WarmReady & Connected, object> {
  return {
    name: "warm restore fix-ups",
    async run(ctx, state) {
      if (state.warm.mode !== "restore") return {};
      const now = Math.floor(Date.now() / 1000);
      const seed = randomBytes(64).toString("hex");
      let out = "";
      const code = await state.comm.run(
        {
          command:
            `printf %s ${seed} > /dev/urandom 2>/dev/null; ` +
            `if date -u -s @${now} >/dev/null 2>&1 || sudo -n date -u -s @${now} >/dev/null 2>&1; then echo clock-set; else date -u +%s; fi`,
          onStdout: (c) => (out += c),
        },
        ctx.signal,
      );
      if (code === 0 && out.includes("clock-set")) ctx.ui.message("-warm: guest clock set to the host's time, random pool reseeded");
      else ctx.ui.error(`-warm: could not set the restored guest's clock (needs root or passwordless sudo); it reads ${out.trim() || "?"}, the host ${now}`);
      return {};
    },
  };
}
