/**
 * After a successful provisioning the domain is shut down gracefully so every write reaches the
 * artifact volume: the guest's `shutdown_command` through the communicator (Kiln's addition), else
 * libvirt's shutdown with `shutdown_mode`; then libvirt's state is polled until the domain is off,
 * for at most `shutdown_timeout`, after which it is destroyed (the plugin's behaviour).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Config, ShutdownMode } from "../../../shared/components/builders/libvirt.js";
import type { Step } from "../../runner/steps.js";
import type { Connected } from "../common/step-connect.js";
import { NoneCommunicator } from "../../communicators/none.js";
import type { DomainDefined } from "./step-define-domain.js";

/** virDomainShutdownFlagValues. */
const SHUTDOWN_FLAGS: Record<ShutdownMode, number> = { auto: 0, acpi: 1, guest: 2, initctl: 4, signal: 8, paravirt: 16 };

export function stepShutdownDomain(config: Config): Step<DomainDefined & Connected, object> {
  return {
    name: "shutdown domain",
    async run(ctx, state) {
      const { domain } = state;
      if (config.shutdownCommand && !(state.comm instanceof NoneCommunicator)) {
        ctx.ui.say("Gracefully halting virtual machine...");
        void state.comm.run({ command: config.shutdownCommand }).catch(() => -1);
      } else {
        ctx.ui.say(`Shutting down domain ${domain.name} (shutdown_mode ${config.shutdownMode})...`);
        await domain.shutdown(SHUTDOWN_FLAGS[config.shutdownMode]);
      }
      const deadline = Date.now() + config.shutdownTimeoutMs;
      while (await domain.isActive()) {
        if (Date.now() > deadline) {
          ctx.ui.error(`Domain did not shut down within shutdown_timeout (${config.shutdownTimeoutMs / 1000}s): destroying it`);
          await domain.destroy();
          break;
        }
        await sleep(200, undefined, { signal: ctx.signal });
      }
      await state.comm.close().catch(() => undefined);
      ctx.ui.say("Domain shut down.");
      return {};
    },
  };
}
