/**
 * Long-running commands (`kiln agent`, `kiln controller`) run until the first SIGINT or SIGTERM,
 * then stop gracefully. Signals arriving with the first (`npx` forwards the terminal's Ctrl-C that
 * the whole group got; `timeout` signals the command and then its group) are the same stop; a
 * signal after `togetherMs` gets Node's default again and ends the process at once.
 */
export function untilStopSignal(onSignal: (signal: NodeJS.Signals) => void, togetherMs = 1000): Promise<void> {
  return new Promise<void>((resolve) => {
    const ignore = (): void => {};
    const handler = (signal: NodeJS.Signals): void => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
      process.on("SIGINT", ignore);
      process.on("SIGTERM", ignore);
      setTimeout(() => {
        process.off("SIGINT", ignore);
        process.off("SIGTERM", ignore);
      }, togetherMs).unref();
      onSignal(signal);
      resolve();
    };
    process.on("SIGINT", handler);
    process.on("SIGTERM", handler);
  });
}

/**
 * A build's interrupts (SIGINT, SIGTERM), counted as a person gives them: the first cancels, a
 * later one stops at once. Signals that arrive together are one: `timeout` sends SIGTERM to its
 * child and then to the child's whole process group, and a terminal's Ctrl-C reaches every process
 * of the foreground group — a second signal within `togetherMs` of the first is the same interrupt.
 * Returns the function that stops listening.
 */
export function onInterrupts(first: () => void, again: () => void, togetherMs = 1000): () => void {
  let firstAt: number | undefined;
  const handler = (): void => {
    const now = performance.now();
    if (firstAt === undefined) {
      firstAt = now;
      first();
    } else if (now - firstAt >= togetherMs) {
      again();
    }
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
