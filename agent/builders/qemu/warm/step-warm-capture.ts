/**
 * The capture half of -warm: the moment the guest's sshd first answers, the VM is paused, its
 * RAM and device state streamed to a file (a QEMU migration to `exec:cat`), and its disk overlay
 * copied while QEMU holds it inactive (the end of a migration flushes and releases every disk),
 * then the VM continues. It costs a second or two once per key; a failure only costs the snapshot,
 * never the build (common/warm/capture-snapshot.ts).
 */
import { copyFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { Step } from "../../../runner/steps.js";
import { captureSnapshot } from "../../common/warm/index.js";
import { qmpExecute } from "../qmp-command.js";
import type { DiskReady } from "../step-create-disk.js";
import type { QemuRunning } from "../step-run-qemu.js";
import type { SshdAnswered } from "../step-wait-sshd.js";
import type { WarmReady } from "./step-warm-plan.js";

const MIGRATION_DEADLINE_MS = 120_000;

export function stepWarmCapture(): Step<WarmReady & QemuRunning & SshdAnswered & DiskReady, object> {
  return {
    name: "save warm snapshot",
    async run(ctx, state) {
      const { warm } = state;
      if (warm.mode !== "capture" || !state.sshdSocket) return {};
      await captureSnapshot(ctx, { ...warm, builder: "qemu" }, {
        pause: async () => void (await qmpExecute(state.qmpSocket, "stop")),
        async save(staged) {
          // The path is ours (a hex key under the cache folder): no shell quoting surprises.
          await qmpExecute(state.qmpSocket, "migrate", { uri: `exec:cat > '${staged.statePath}'` });
          await migrationDone(state.qmpSocket, ctx.signal);
          await copyFile(state.diskPath, staged.diskPath);
        },
        resume: async () => void (await qmpExecute(state.qmpSocket, "cont")),
      });
      return {};
    },
  };
}

async function migrationDone(socket: string, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + MIGRATION_DEADLINE_MS;
  while (Date.now() < deadline) {
    const info = (await qmpExecute(socket, "query-migrate")) as { status?: string; "error-desc"?: string };
    if (info.status === "completed") return;
    if (info.status === "failed" || info.status === "cancelled") throw new Error(`migration ${info.status}: ${info["error-desc"] ?? "no detail"}`);
    await sleep(50, undefined, { signal });
  }
  throw new Error(`the VM state was not saved within ${MIGRATION_DEADLINE_MS / 1000}s`);
}
