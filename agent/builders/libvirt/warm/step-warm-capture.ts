/**
 * The capture half of libvirt's -warm: the moment the guest's sshd first answers, the domain is
 * paused, its RAM and device state streamed to a file (migration-stream.ts), and its artifact
 * volume copied while QEMU holds it inactive (the end of a migration flushes and releases every
 * disk), then the domain continues. It costs a few seconds once per key; a failure only costs the
 * snapshot, never the build (common/warm/capture-snapshot.ts).
 */
import { copyFile } from "node:fs/promises";
import type { Step } from "../../../runner/steps.js";
import { captureSnapshot } from "../../common/warm/index.js";
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
      const { warm, artifactPath } = state;
      if (warm.mode !== "capture" || !state.sshdSocket || !artifactPath) return {};
      await captureSnapshot(ctx, { ...warm, builder: "libvirt" }, {
        pause: async () => void (await domainQmp(state.domain, "stop")),
        async save(staged) {
          await saveStateTo(state.domain, staged.statePath, ctx.signal);
          await copyFile(artifactPath, staged.diskPath);
        },
        resume: async () => void (await domainQmp(state.domain, "cont")),
      });
      return {};
    },
  };
}
