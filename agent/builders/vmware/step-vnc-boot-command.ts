/**
 * Packer's StepVNCConnect and StepVNCBootCommand: connect to the VM's VNC server (exclusively,
 * with its password), wait boot_wait, then type the rendered boot_command as RFB key events,
 * boot_key_interval (PACKER_KEY_INTERVAL, 100 ms) after each event, shift held around shifted
 * characters. disable_vnc skips both.
 */
import { errorMessage } from "../../../shared/error-message.js";
import { setTimeout as sleep } from "node:timers/promises";
import type { BootConfig } from "../../../shared/components/vm-config/boot.js";
import type { Step } from "../../runner/steps.js";
import { parseBootCommands, renderBootCommands, resolveKeyIntervalMs } from "../common/boot-command/index.js";
import type { HttpServerReady } from "../common/step-http-server.js";
import { KEYSYM_LEFT_SHIFT, keysymOf } from "./keysyms.js";
import { RfbClient } from "./rfb-client.js";
import type { VncReady } from "./step-configure-vnc.js";
import type { VmStarted } from "./step-run.js";

export interface VncConnected {
  vncClient?: RfbClient;
}

export function stepVncConnect(): Step<VncReady & VmStarted, VncConnected> {
  let client: RfbClient | undefined;
  return {
    name: "vnc connect",
    async run(ctx, { vnc }) {
      if (!vnc) return {};
      ctx.ui.say("Connecting to VNC...");
      client = await RfbClient.connect({ host: vnc.ip, port: vnc.port, password: vnc.password, exclusive: true, signal: ctx.signal }).catch((e: unknown) => {
        throw new Error(`Error handshaking with VNC: ${errorMessage(e)}`);
      });
      return { vncClient: client };
    },
    async cleanup() {
      client?.close();
      client = undefined;
    },
  };
}

/** Sends the key events of a parsed boot command, `intervalMs` after each; waits where it says. */
export async function typeOverVnc(client: Pick<RfbClient, "keyEvent">, actions: ReturnType<typeof parseBootCommands>["actions"], intervalMs: number, signal: AbortSignal): Promise<void> {
  const key = async (keysym: number, down: boolean): Promise<void> => {
    await client.keyEvent(keysym, down);
    if (intervalMs > 0) await sleep(intervalMs, undefined, { signal });
  };
  for (const action of actions) {
    signal.throwIfAborted();
    if (action.kind === "wait") {
      await sleep(action.ms, undefined, { signal });
      continue;
    }
    const { keysym, shift } = keysymOf(action);
    if (action.kind !== "release" && shift) await key(KEYSYM_LEFT_SHIFT, true);
    if (action.kind === "release" && shift) await key(KEYSYM_LEFT_SHIFT, false);
    if (action.kind !== "release") await key(keysym, true);
    if (action.kind !== "hold") await key(keysym, false);
    if (action.kind === "tap" && shift) await key(KEYSYM_LEFT_SHIFT, false);
  }
}

export function stepVncBootCommand(boot: BootConfig, vmName: string): Step<VncConnected & HttpServerReady, object> {
  return {
    name: "boot command",
    async run(ctx, { vncClient, httpIp, httpPort }) {
      if (boot.disableVnc || !vncClient) return {};
      try {
        if (boot.bootWaitMs > 0) {
          ctx.ui.say(`Waiting ${boot.bootWaitMs / 1000}s for boot...`);
          await sleep(boot.bootWaitMs, undefined, { signal: ctx.signal });
        }
        ctx.ui.say("Typing the boot command over VNC...");
        // Packer joins the entries into one command before rendering it (boot_keygroup_interval is not used over VNC).
        const rendered = renderBootCommands([boot.bootCommand.join("")], ctx.prepare.interpolation, { HTTPIP: httpIp, HTTPPort: httpPort, Name: vmName });
        const plan = parseBootCommands(rendered, 0);
        for (const warning of plan.warnings) ctx.ui.error(`boot_command: ${warning}`);
        await typeOverVnc(vncClient, plan.actions, resolveKeyIntervalMs(boot.bootKeyIntervalMs), ctx.signal).catch((e: unknown) => {
          throw ctx.signal.aborted ? e : new Error(`Error running boot command: ${errorMessage(e)}`);
        });
      } finally {
        // As Packer's deferred Close: the connection is only for typing.
        vncClient.close();
      }
      return {};
    },
  };
}
