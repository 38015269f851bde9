/** Runs a kiln command in this process with a given cwd, env and stdin, capturing its output. */
import { PassThrough, Readable } from "node:stream";
import type { Command } from "../../cli/io.js";
import { run as validate } from "../../cli/commands/validate.js";
import { run as inspect } from "../../cli/commands/inspect.js";
import { run as consoleCmd } from "../../cli/commands/console.js";

export interface Invocation {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const COMMANDS: Record<string, Command> = { validate, inspect, console: consoleCmd };

/** `argv` as recorded, starting with "packer" (global flags before the command name). */
export async function invoke(argv: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv; stdin?: string }): Promise<Invocation> {
  const args = argv.slice(1);
  let machineReadable = false;
  while (args[0] === "-machine-readable") {
    machineReadable = true;
    args.shift();
  }
  const [name, ...rest] = args;
  const command = COMMANDS[name];
  if (!command) throw new Error(`conformance: no in-process command for "${name}"`);
  const stdout = collect();
  const stderr = collect();
  const exitCode = await command(rest, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin: Readable.from(opts.stdin !== undefined ? [opts.stdin] : []),
    cwd: opts.cwd,
    env: opts.env,
    machineReadable,
  });
  return { exitCode, stdout: stdout.text(), stderr: stderr.text() };
}

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}
