import { spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import { OutputLines } from "./output-lines.js";
import { posixSpawn, posixSpawnAvailable, type SpawnedChild } from "./posix-spawn.js";

export interface ProcessGroupOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  onStdoutLine: (line: string) => void;
  onStderrLine: (line: string) => void;
  /** Given, these take a chunk's complete lines at once when none needs cleaning (OutputLines). */
  onStdoutLines?: (lines: string) => void;
  onStderrLines?: (lines: string) => void;
  /** How long a cancelled group gets between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  /**
   * How the process starts: glibc's posix_spawn where this host has it (the default; see
   * posix-spawn.ts for why), or Node's fork-based spawn. Tests run both.
   */
  starter?: "posix_spawn" | "node";
}

export interface ProcessGroupResult {
  /** The exit status; -1 when a signal ended the process (Go's ExitStatus does the same). */
  exitCode: number;
  /** Set when the run was cancelled through the AbortSignal. */
  cancelled: boolean;
}

/** The program could not be started at all (missing, not executable). */
export class SpawnError extends Error {
  constructor(readonly program: string, override readonly cause: Error) {
    super(`cannot start ${program}: ${cause.message}`);
    this.name = "SpawnError";
  }
}

/**
 * Runs `argv` as the leader of a new process group, streaming its output line by line. On abort
 * the whole group gets SIGTERM, then SIGKILL after a grace period, so a script's own children
 * (a `sleep`, a backgrounded server) are not left running after a cancel.
 */
export function runProcessGroup(argv: readonly string[], options: ProcessGroupOptions): Promise<ProcessGroupResult> {
  const [program, ...args] = argv;
  if (program === undefined) return Promise.reject(new Error("empty command line"));
  return new Promise((resolvePromise, reject) => {
    if (options.signal.aborted) {
      resolvePromise({ exitCode: -1, cancelled: true });
      return;
    }
    const starter = options.starter ?? (posixSpawnAvailable() ? "posix_spawn" : "node");
    const child: SpawnedChild =
      starter === "posix_spawn"
        ? posixSpawn(program, args, { cwd: options.cwd, env: options.env })
        : spawn(program, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const stdout = new OutputLines(options.onStdoutLine, options.onStdoutLines);
    const stderr = new OutputLines(options.onStderrLine, options.onStderrLines);
    const stdoutText = new StringDecoder("utf8");
    const stderrText = new StringDecoder("utf8");
    child.stdout.on("data", (b: Buffer) => stdout.push(stdoutText.write(b)));
    child.stderr.on("data", (b: Buffer) => stderr.push(stderrText.write(b)));

    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const signalGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const onAbort = (): void => {
      cancelled = true;
      signalGroup("SIGTERM");
      killTimer = setTimeout(() => signalGroup("SIGKILL"), options.killGraceMs ?? 2000);
      killTimer.unref();
    };
    options.signal.addEventListener("abort", onAbort, { once: true });

    let exitCode = 0;
    child.on("exit", (code) => {
      // A signal, or (posix_spawn) a status someone else reaped: not a success either way.
      exitCode = code ?? -1;
      // Children still in the group after a cancel do not get the grace period the leader had.
      if (cancelled) signalGroup("SIGKILL");
    });
    child.on("error", (e) => {
      options.signal.removeEventListener("abort", onAbort);
      if (killTimer) clearTimeout(killTimer);
      reject(new SpawnError(program, e));
    });
    // "close" waits for the output pipes too, so every line has been emitted by then.
    child.on("close", () => {
      options.signal.removeEventListener("abort", onAbort);
      if (killTimer) clearTimeout(killTimer);
      stdout.push(stdoutText.end());
      stderr.push(stderrText.end());
      stdout.flush();
      stderr.flush();
      resolvePromise({ exitCode, cancelled });
    });
  });
}
