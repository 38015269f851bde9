/**
 * Types parsed boot_command actions into the VM through QMP `input-send-event`.
 *
 * Why QMP rather than VNC (what Packer uses): the QMP socket is already open to drive the VM
 * (power-off, events), so typing needs no second protocol, no RFB client and no VNC port to
 * allocate, guard and clean up per build; and input-send-event sends key-down and key-up as
 * separate events, so `<leftCtrlOn>`-style holds are exact rather than emulated.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { parseGoDuration } from "../../../../shared/template/duration.js";
import type { BootAction } from "../../../../shared/components/vm-config/boot-command/parse.js";

/** The part of a QMP client the typer needs (QmpClient satisfies it). */
export interface QmpCommandSink {
  execute(command: string, args?: Record<string, unknown>): Promise<unknown>;
}

export interface TypeOptions {
  /** Pause after each key (Packer's boot_key_interval). */
  keyIntervalMs: number;
  signal: AbortSignal;
}

/** Packer's default pause between keys. */
export const DEFAULT_KEY_INTERVAL_MS = 100;

/**
 * The pause between keys as Packer picks it: `boot_key_interval` when set (> 0), else the
 * PACKER_KEY_INTERVAL environment variable when it is a Go duration, else 100 ms.
 */
export function resolveKeyIntervalMs(configMs: number, env: Record<string, string | undefined> = process.env): number {
  if (configMs > 0) return configMs;
  const fromEnv = env.PACKER_KEY_INTERVAL;
  if (fromEnv) {
    try {
      return Math.max(0, parseGoDuration(fromEnv));
    } catch {
      // Packer ignores an unparsable value and keeps its default.
    }
  }
  return DEFAULT_KEY_INTERVAL_MS;
}

type KeyEvent = { type: "key"; data: { down: boolean; key: { type: "qcode"; data: string } } };

function keyEvent(qcode: string, down: boolean): KeyEvent {
  return { type: "key", data: { down, key: { type: "qcode", data: qcode } } };
}

/**
 * Sends every action in order. Rejects with the signal's reason when aborted; keys held with
 * `<xOn>` are released first so the guest is not left with a stuck modifier.
 */
export async function typeBootActions(qmp: QmpCommandSink, actions: readonly BootAction[], opts: TypeOptions): Promise<void> {
  const held = new Map<string, boolean>();
  const send = (events: KeyEvent[]) => qmp.execute("input-send-event", { events });
  try {
    for (const action of actions) {
      opts.signal.throwIfAborted();
      switch (action.kind) {
        case "wait":
          await sleep(action.ms, undefined, { signal: opts.signal });
          continue;
        case "tap":
          await send([...(action.shift ? [keyEvent("shift", true)] : []), keyEvent(action.qcode, true)]);
          await send([keyEvent(action.qcode, false), ...(action.shift ? [keyEvent("shift", false)] : [])]);
          break;
        case "hold":
          await send([...(action.shift ? [keyEvent("shift", true)] : []), keyEvent(action.qcode, true)]);
          held.set(action.qcode, action.shift);
          break;
        case "release":
          await send([keyEvent(action.qcode, false), ...(action.shift ? [keyEvent("shift", false)] : [])]);
          held.delete(action.qcode);
          break;
      }
      if (opts.keyIntervalMs > 0) await sleep(opts.keyIntervalMs, undefined, { signal: opts.signal });
    }
  } catch (e) {
    for (const [qcode, shift] of held) {
      await send([keyEvent(qcode, false), ...(shift ? [keyEvent("shift", false)] : [])]).catch(() => undefined);
    }
    // timers/promises rejects with a generic AbortError; callers want the reason they aborted with.
    throw opts.signal.aborted ? (opts.signal.reason as unknown) : e;
  }
}
