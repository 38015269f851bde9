/**
 * After a warm restore, before provisioning: the guest wakes with the clock and the kernel's
 * random generator it had when the snapshot was saved, identical in every build restored from it.
 * The clock is set to the host's time, and 64 bytes of the host's randomness are written into
 * /dev/urandom. Writing only mixes them into the input pool: Linux rekeys its generator from that
 * pool on its own schedule (up to a minute of guest uptime, which a restored guest barely has), so
 * the fix-up then forces the rekey with the RNDRESEEDCRNG ioctl, through perl (essential on Debian
 * and Ubuntu) or python3. A guest kernel with the vmgenid driver has rekeyed already (a builder
 * gives the warm VM that device where its machine type has it). Both need root, or passwordless
 * sudo. SSH host keys are the base image's, exactly as after a cold boot of that image: nothing
 * to fix there. Builder-neutral: it only needs the SSH connection.
 */
import { randomBytes } from "node:crypto";
import { shellQuote } from "../../../communicators/shell-quote.js";
import type { Step } from "../../../runner/steps.js";
import type { Connected } from "../step-connect.js";
import type { WarmModeKnown } from "./warm-mode.js";

/** _IO('R', 0x07): reseed the CRNG from the input pool now (CAP_SYS_ADMIN). */
const RNDRESEEDCRNG = "0x5207";

const reseed =
  `perl -e 'open(F, "</dev/urandom") or exit 1; ioctl(F, ${RNDRESEEDCRNG}, 0) or exit 1' 2>/dev/null || ` +
  `python3 -c 'import fcntl; fcntl.ioctl(open("/dev/urandom"), ${RNDRESEEDCRNG})' 2>/dev/null`;

export function fixupScript(now: number, seed: string): string {
  const asRoot = (script: string): string => `{ sh -c ${shellQuote(script)} || sudo -n sh -c ${shellQuote(script)}; } >/dev/null 2>&1`;
  return [
    `printf %s ${seed} > /dev/urandom 2>/dev/null || printf %s ${seed} | sudo -n tee /dev/urandom >/dev/null 2>&1`,
    `if ${asRoot(reseed)}; then echo rng-reseeded; fi`,
    `if ${asRoot(`date -u -s @${now}`)}; then echo clock-set; else echo "clock=$(date -u +%s)"; fi`,
  ].join("; ");
}

export function stepWarmFixups(): Step<WarmModeKnown & Connected, object> {
  return {
    name: "warm restore fix-ups",
    async run(ctx, state) {
      if (state.warm.mode !== "restore") return {};
      const now = Math.floor(Date.now() / 1000);
      let out = "";
      await state.comm.run({ command: fixupScript(now, randomBytes(64).toString("hex")), onStdout: (c) => (out += c) }, ctx.signal);
      const clockSet = out.includes("clock-set");
      const reseeded = out.includes("rng-reseeded");
      if (clockSet && reseeded) ctx.ui.message("-warm: guest clock set to the host's time, random pool reseeded");
      else {
        if (!clockSet) ctx.ui.error(`-warm: could not set the restored guest's clock (needs root or passwordless sudo); it reads ${/clock=(\d+)/.exec(out)?.[1] ?? "?"}, the host ${now}`);
        if (!reseeded)
          ctx.ui.error(
            "-warm: could not make the restored guest's kernel rekey its random generator (needs root or passwordless sudo, and perl or python3 in the guest); " +
              "host randomness was mixed into its pool, and the kernel rekeys from it within a minute",
          );
      }
      return {};
    },
  };
}
