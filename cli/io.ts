import type { Readable, Writable } from "node:stream";

/** What a command may touch of the outside world; tests give their own. */
export interface CommandIO {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Global `-machine-readable` given before the command (`kiln -machine-readable inspect`). */
  machineReadable: boolean;
}

export type Command = (argv: string[], io: CommandIO) => Promise<number>;
