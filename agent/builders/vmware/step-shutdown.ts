/**
 * Packer's StepShutdown: shutdown_command over the communicator, then `vmrun list` is asked until
 * it no longer lists the VM, within shutdown_timeout; without a shutdown_command the VM is
 * stopped hard. A guest that already powered itself off (an installer, with communicator none)
 * is left as it is, where Packer's hard stop would fail on it. Then VMware's lock files (*.lck,
 * but the .vmx's own) must go before the files are touched.
 */
import { errorMessage } from "../../../shared/error-message.js";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { listFiles } from "../common/list-files.js";
import type { Step } from "../../runner/steps.js";
import type { Connected } from "../common/step-connect.js";
import type { OutputDirReady } from "../common/step-output-dir.js";
import type { VmStarted } from "./step-run.js";
import type { DriverReady, VmxReady } from "./state.js";

// Each question is a vmrun process; Packer asks every 150 ms, Kiln a little less eagerly.
const POLL_MS = 500;
const LOCK_WAIT_MS = 120_000;

export function stepShutdown(config: { shutdownCommand?: string; shutdownTimeoutMs: number }): Step<DriverReady & VmxReady & OutputDirReady & VmStarted & Connected, object> {
  return {
    name: "shutdown",
    async run(ctx, { vmware, vmxPath, outputDir, comm }) {
      if (config.shutdownCommand) {
        ctx.ui.say("Gracefully halting virtual machine...");
        // Started, not awaited to the end: the connection drops as the guest goes down.
        const sent = comm.run({ command: config.shutdownCommand, onStdout: () => undefined, onStderr: () => undefined }, ctx.signal).catch(() => -1);
        const deadline = Date.now() + config.shutdownTimeoutMs;
        while (await vmware.isRunning(vmxPath, ctx.signal)) {
          if (Date.now() > deadline) throw new Error(`Timeout while waiting for machine to shut down (shutdown_timeout ${config.shutdownTimeoutMs / 1000}s): check shutdown_command or raise shutdown_timeout`);
          await sleep(POLL_MS, undefined, { signal: ctx.signal });
        }
        void sent;
      } else if (await vmware.isRunning(vmxPath, ctx.signal)) {
        ctx.ui.say("Forcibly halting virtual machine...");
        await vmware.stop(vmxPath, ctx.signal).catch((e: unknown) => {
          throw new Error(`Error stopping VM: ${errorMessage(e)}`);
        });
      } else {
        ctx.ui.say("The virtual machine has already stopped.");
      }
      ctx.ui.message("Waiting for VMware to clean up after itself...");
      const deadline = Date.now() + LOCK_WAIT_MS;
      while (Date.now() < deadline) {
        const locks = (await listFiles(outputDir)).filter((f) => /\.lck$/i.test(f));
        if (locks.length === 0 || (locks.length === 1 && locks[0]!.endsWith(".vmx.lck"))) break;
        await sleep(150, undefined, { signal: ctx.signal });
      }
      await comm.close().catch(() => undefined);
      return {};
    },
  };
}
