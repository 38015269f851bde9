/**
 * The capture half of libvirt's -warm: the moment the guest's sshd first answers, the domain is
 * paused, its RAM and device state streamed to a file (migration-stream.ts), and its artifact
 * volume copied while QEMU holds it inactive (the end of a migration flushes and releases every
 * disk), then the domain continues. It costs a few seconds once per key; a failure only costs the
 * snapshot, never the build.
 */
import { copyFile, rm } from "node:fs/promises";
import type { Step } from "../../../runner/steps.js";
import { publish, stagingFor } from "../../common/warm/index.js";
import type { DomainDefined } from "../step-define-domain.js";
import type { SshdAnswered } from "../step-wait-sshd.js";
import { domainQmp } from "./domain-qmp.js";
import { saveStateTo } from "./migration-stream.js";
import type { WarmDiskReady } from "./step-warm-disk.js";
import type { LibvirtWarmReady } from "./step-warm-plan.js";

export function stepWarmCapture(): Step<LibvirtWarmReady & WarmDiskReady & DomainDefined & SshdAnswered, object> {
  return {
    name: "save warm snapshot",
    async run(ctx, state) {
      const { warm } = state;
      if (warm.mode !== "capture" || !state.sshdSocket || !state.artifactPath) return {};
      ctx.ui.say("-warm: saving the booted guest for the next -warm build...");
      const staged = await stagingFor(warm.root, warm.key);
      let stopped = false;
      try {
        await domainQmp(state.domain, "stop");
        stopped = true;
        await saveStateTo(state.domain, staged.statePath, ctx.signal);
        await copyFile(state.artifactPath, staged.diskPath);
        const published = await publish(staged, warm.snapshot, { key: warm.key, builder: "libvirt" });
        ctx.ui.message(published ? `warm snapshot saved: ${warm.snapshot.dir}` : "another build saved this warm snapshot first; keeping theirs");
      } catch (e) {
        await rm(staged.dir, { recursive: true, force: true });
        ctx.ui.error(`-warm: could not save the warm snapshot (${e instanceof Error ? e.message : String(e)}); the build goes on`);
      } finally {
        if (stopped) await domainQmp(state.domain, "cont");
      }
      return {};
    },
  };
}
