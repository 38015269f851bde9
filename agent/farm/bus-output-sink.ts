/**
 * An OutputSink that ships a job's output to the bus: UI lines as LogLine on
 * `kiln.build.<id>.log`, machine-readable records as `machine` events on `kiln.build.<id>.event`.
 * The runner emits synchronously and must never wait on the network, so lines are queued and
 * published in batches. Order is kept: a batch is sent in order on one connection (the server
 * stores it in that order) and the next batch waits for the previous one's acks. A failed batch
 * (server restart) is re-sent whole with the same message ids, so JetStream drops the copies it
 * already stored and nothing is lost, duplicated or reordered.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { JetStreamClient } from "@nats-io/jetstream";
import { agentEventSubject, agentLogSubject, encode, type BuildEvent, type LogLine } from "../../shared/bus/index.js";
import type { OutputEvent, OutputSink } from "../runner/ui.js";

/** A stored message is acked in milliseconds; a missing ack means the server went away mid-publish. */
const PUBLISH_ACK_TIMEOUT_MS = 3000;

interface Pending {
  subject: string;
  message: LogLine | BuildEvent;
  msgID: string;
  /** A LogLine's lines, joined into its text when its batch goes out (appending to a string per line cost more than publishing). */
  lines?: string[];
  /** Length of those lines together. */
  length?: number;
}

/**
 * Consecutive lines of one label and level travel as one LogLine whose text holds them all,
 * newline-separated (readers already split a text into lines): one bus message per line capped
 * log throughput at a few thousand lines a second.
 */
const MAX_COALESCED_TEXT = 128 * 1024;

/** A batch goes out when this much text waits (or maxBatch messages, or after flushIntervalMs). */
const FLUSH_TEXT_BYTES = 1024 * 1024;

/** Lines as one text, newline-separated; a line's own trailing newline is not doubled (the last one's is kept). */
function joinLines(lines: string[]): string {
  const last = lines.length - 1;
  return lines.map((l, i) => (i < last && l.endsWith("\n") ? l.slice(0, -1) : l)).join("\n");
}

export interface BusOutputSinkOptions {
  buildId: string;
  /** This agent: its output goes under `kiln.build.<id>.by.<agentName>`, the only build output its NATS user may publish. */
  agentName: string;
  jobIndex: number;
  /** Delivery attempt: part of message ids, so a redelivered job's output is not taken for duplicates. */
  attempt: number;
  /** How long lines may wait before a batch goes out. */
  flushIntervalMs?: number;
  /** A batch goes out at once when this many lines wait. */
  maxBatch?: number;
  /** Told when a batch could not be published after retries (the lines are then dropped). */
  onPublishError?: (error: Error) => void;
  /**
   * Aborted when the agent stops: a failing batch then gets no more retries, so a stop while
   * NATS is away is not held up for the retries' minute.
   */
  signal?: AbortSignal;
}

export class BusOutputSink implements OutputSink {
  private queue: Pending[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;

  private readonly logSubject: string;
  private readonly eventSubject: string;
  /** Text waiting in the queue: a batch goes out once a few messages' worth is there, not only on the timer. */
  private queuedText = 0;

  constructor(private readonly js: JetStreamClient, private readonly options: BusOutputSinkOptions) {
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.maxBatch = options.maxBatch ?? 256;
    this.logSubject = agentLogSubject(options.buildId, options.agentName);
    this.eventSubject = agentEventSubject(options.buildId, options.agentName);
  }

  emit(event: OutputEvent): void {
    const { jobIndex } = this.options;
    if (event.kind === "ui") {
      const last = this.queue.at(-1);
      if (last?.lines && last.subject === this.logSubject) {
        const previous = last.message as LogLine;
        if (previous.label === event.build && previous.level === event.level && (last.length ?? 0) + event.text.length < MAX_COALESCED_TEXT) {
          last.lines.push(event.text);
          last.length = (last.length ?? 0) + event.text.length + 1;
          this.queuedText += event.text.length + 1;
          if (this.queuedText >= FLUSH_TEXT_BYTES) void this.flush();
          return;
        }
      }
      const line: LogLine = { jobIndex, label: event.build, level: event.level, text: "", time: new Date().toISOString() };
      this.enqueue(this.logSubject, line, [event.text]);
    } else {
      const ev: BuildEvent = { kind: "machine", jobIndex, target: event.build, type: event.type, data: event.data, time: new Date().toISOString() };
      this.enqueue(this.eventSubject, ev);
    }
  }

  /** Publishes a job-level event (job-started, job-finished) in order with the output. */
  event(ev: BuildEvent): void {
    this.enqueue(this.eventSubject, ev);
    // A job's state changes go out now, not with the next batch of lines: `kiln build` shows
    // "started" the moment it is, and the dispatch figures of bench/farm measure the dispatch.
    if (ev.kind === "job-started" || ev.kind === "job-waiting") void this.flush();
  }

  /** Resolves when everything emitted so far is stored (or given up on). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      this.queuedText = 0;
      for (const p of batch) if (p.lines) (p.message as LogLine).text = joinLines(p.lines);
      this.sending = this.sending.then(() => this.publishBatch(batch));
    }
    return this.sending;
  }

  private enqueue(subject: string, message: LogLine | BuildEvent, lines?: string[]): void {
    const { buildId, jobIndex, attempt } = this.options;
    this.queue.push({ subject, message, msgID: `${buildId}.${jobIndex}.${attempt}.${this.seq++}`, lines, length: lines?.[0].length });
    this.queuedText += lines?.[0].length ?? 0;
    if (this.queue.length >= this.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs);
  }

  private async publishBatch(batch: Pending[]): Promise<void> {
    let lastError: Error | undefined;
    for (let tryNo = 0; tryNo < 20; tryNo++) {
      try {
        await Promise.all(batch.map((p) => this.js.publish(p.subject, encode(p.message), { msgID: p.msgID, timeout: PUBLISH_ACK_TIMEOUT_MS })));
        return;
      } catch (e) {
        lastError = e instanceof Error ? e : new Error(String(e));
        if (this.options.signal?.aborted) break;
        // The server may be restarting: the connection reconnects by itself; wait and re-send.
        await delay(Math.min(250 * (tryNo + 1), 2000), undefined, { signal: this.options.signal }).catch(() => undefined);
      }
    }
    this.options.onPublishError?.(lastError ?? new Error("publish failed"));
  }
}
