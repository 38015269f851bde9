/**
 * A small client for QEMU's machine protocol (QMP) on a unix socket: JSON objects, one per line,
 * a greeting, `qmp_capabilities`, then commands answered in order and asynchronous events
 * (SHUTDOWN, POWERDOWN, …) interleaved with the answers.
 */
import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export type QmpEvent = { event: string; data?: Record<string, unknown>; timestamp?: { seconds: number; microseconds: number } };

export class QmpError extends Error {
  constructor(readonly command: string, readonly errorClass: string, desc: string) {
    super(`QEMU refused ${command}: ${desc} (${errorClass})`);
    this.name = "QmpError";
  }
}

type Pending = { command: string; resolve: (value: unknown) => void; reject: (err: Error) => void };

export class QmpClient {
  private buffer = "";
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(event: QmpEvent) => void>();
  private closedError: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(chunk));
    // QEMU quitting may reset the socket instead of closing it: both mean the connection is gone.
    socket.on("error", (err: NodeJS.ErrnoException) =>
      this.fail(err.code === "ECONNRESET" || err.code === "EPIPE" ? new Error("QMP connection closed (QEMU exited?)") : err),
    );
    socket.on("close", () => this.fail(new Error("QMP connection closed (QEMU exited?)")));
  }

  /**
   * Connects to `path`, retrying while QEMU has not created the socket yet, and negotiates
   * capabilities. Gives up after `timeoutMs` or when `signal` aborts.
   */
  static async connect(path: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<QmpClient> {
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    for (;;) {
      opts.signal?.throwIfAborted();
      try {
        const socket = await openSocket(path);
        const client = new QmpClient(socket);
        await client.greeting();
        await client.execute("qmp_capabilities");
        return client;
      } catch (e) {
        if (Date.now() >= deadline) throw new Error(`Could not connect to QEMU's QMP socket ${path}: ${(e as Error).message}`);
        await sleep(100, undefined, { signal: opts.signal });
      }
    }
  }

  /** Runs a QMP command and resolves with its `return` value. */
  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { command, resolve, reject });
      this.socket.write(JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id }) + "\n");
    });
  }

  /** Calls `listener` for every event; returns a function that stops listening. */
  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first event named `name` (e.g. "SHUTDOWN"); rejects if the connection dies first. */
  waitForEvent(name: string, signal?: AbortSignal): Promise<QmpEvent> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const done = () => { stopEvents(); this.closeListeners.delete(onClose); };
      const stopEvents = this.onEvent((e) => {
        if (e.event !== name) return;
        done();
        resolve(e);
      });
      const onClose = (err: Error) => { done(); reject(err); };
      this.closeListeners.add(onClose);
      signal?.addEventListener("abort", () => { done(); reject(signal.reason as Error); }, { once: true });
    });
  }

  private readonly closeListeners = new Set<(err: Error) => void>();

  close(): void {
    this.socket.destroy();
  }

  private greetingWaiter: ((ok: boolean) => void) | undefined;

  private greeting(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.greetingWaiter = (ok) => (ok ? resolve() : reject(this.closedError ?? new Error("no QMP greeting")));
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) this.onMessage(JSON.parse(line) as Record<string, unknown>);
    }
  }

  private onMessage(msg: Record<string, unknown>): void {
    if ("QMP" in msg) {
      this.greetingWaiter?.(true);
      this.greetingWaiter = undefined;
      return;
    }
    if (typeof msg.event === "string") {
      for (const l of [...this.listeners]) l(msg as QmpEvent);
      return;
    }
    const id = String(msg.id);
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if ("error" in msg) {
      const err = msg.error as { class?: string; desc?: string };
      p.reject(new QmpError(p.command, err.class ?? "GenericError", err.desc ?? "unknown error"));
    } else p.resolve(msg.return);
  }

  private fail(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    this.greetingWaiter?.(false);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const l of [...this.closeListeners]) l(err);
  }
}

function openSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    s.once("connect", () => { s.removeListener("error", reject); resolve(s); });
    s.once("error", reject);
  });
}
