/** Prints a template-loading failure the way the user needs it: what, where, what to do. */
import type { CommandIO } from "./io.js";
import type { MachineReadableSink } from "./output/terminal-sink.js";

export function reportTemplateError(e: unknown, io: CommandIO, machine?: MachineReadableSink): void {
  const text = e instanceof Error ? e.message : String(e);
  if (machine) machine.line("", "ui", "error", text);
  else io.stdout.write(`${text}\n`);
}
