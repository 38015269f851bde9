import type { Readable } from "node:stream";
import { schema, type Config } from "../../../shared/components/provisioners/breakpoint.js";
import type { ProvisionContext } from "../../runner/context.js";
import type { ProvisionerPlugin } from "../types.js";

/** Where the breakpoint reads Enter from. */
export interface BreakpointInput {
  /** False when no one can answer (stdin not a terminal: CI, a farm agent). */
  interactive: boolean;
  stream: Readable;
}

/**
 * Packer's `breakpoint`: says where it stopped and waits for Enter. Kiln's choice where Packer
 * would block or fail: when no one can press Enter (stdin is not a TTY) it says so and carries on,
 * so a forgotten breakpoint never hangs a CI job or a farm agent.
 */
export function createBreakpointPlugin(input: () => BreakpointInput): ProvisionerPlugin<Config> {
  return {
    schema,
    async provision(ctx: ProvisionContext, config: Config): Promise<void> {
      if (config.disable) {
        ctx.ui.say(
          config.note !== ""
            ? `Breakpoint provisioner with note "${config.note}" disabled; continuing...`
            : "Breakpoint provisioner disabled; continuing...",
        );
        return;
      }
      ctx.ui.say(config.note !== "" ? `Pausing at breakpoint provisioner with note "${config.note}".` : "Pausing at breakpoint provisioner.");
      const { interactive, stream } = input();
      if (!interactive) {
        ctx.ui.say("Not an interactive terminal (stdin is not a TTY), so nobody can press enter: continuing...");
        return;
      }
      ctx.ui.say("Press enter to continue.");
      await waitForEnter(stream, ctx.signal);
    },
  };
}

export const plugin = createBreakpointPlugin(() => ({ interactive: Boolean(process.stdin.isTTY), stream: process.stdin }));

function waitForEnter(stream: Readable, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      stream.removeListener("data", onData);
      stream.removeListener("end", onEnd);
      signal.removeEventListener("abort", onAbort);
      stream.pause(); // let the process exit; the next breakpoint resumes it
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk: Buffer | string): void => {
      if (String(chunk).includes("\n") || String(chunk).includes("\r")) done();
    };
    const onEnd = (): void => done(new Error("Error asking for input: stdin closed before enter was pressed"));
    const onAbort = (): void => {
      const e = new Error("breakpoint: cancelled");
      e.name = "AbortError";
      done(e);
    };
    if (signal.aborted) return onAbort();
    stream.on("data", onData);
    stream.once("end", onEnd);
    signal.addEventListener("abort", onAbort, { once: true });
    stream.resume();
  });
}
