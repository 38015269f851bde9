/**
 * An OutputSink that ships a job's output to the bus: UI lines as LogLine on
 * `kiln.build.<id>.log`, machine-readable records as `machine` events on `kiln.build.<id>.event`.
 * The runner emits synchronously and must never wait on the network, so lines are queued and
 * published in batches. Order is kept: a batch is sent in order on one connection (the server
 * stores it in that order) and the next batch waits for the previous one's acks. A failed batch
 * (server restart) is re-sent whole with the same message ids, so JetStream drops the copies it
 * already stored and nothing is lost, duplicated or reordered.
 */
import type { JetStreamClient } from "@nats-io/jetstream";
import { agentEventSubject, agentLogSubject, encode, type BuildEvent, type LogLine } from "../../shared/bus/index.js";
import type { OutputEvent, OutputSink } from "../runner/ui.js";

/** A stored message is acked in milliseconds; a missing ack means the server went away mid-publish. */
const PUBLISH_ACK_TIMEOUT_MS = 3000;

interface Pending {
  subject: string;
  message: LogLine | BuildEvent;
  msgID: string;
}

/**
 * Consecutive lines of one label and level travel as one LogLine whose text holds them all,
 * newline-separated (readers already split a text into lines): one bus message per line capped
 * log throughput at a few thousand lines a second.
 */
const MAX_COALESCED_TEXT = 32 * 1024;

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
}

export class BusOutputSink implements OutputSink {
  private queue: Pending[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;

  constructor(private readonly js: JetStreamClient, private readonly options: BusOutputSinkOptions) {
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.maxBatch = options.maxBatch ?? 256;
  }

  emit(event: OutputEvent): void {
    const time = new Date().toISOString();
    const { buildId, jobIndex, agentName } = this.options;
    if (event.kind === "ui") {
      const last = this.queue.at(-1);
      if (last && last.subject === agentLogSubject(buildId, agentName)) {
        const previous = last.message as LogLine;
        if (previous.label === event.build && previous.level === event.level && previous.text.length + event.text.length < MAX_COALESCED_TEXT) {
          previous.text = `${previous.text.replace(/\n$/, "")}\n${event.text}`;
          return;
        }
      }
      const line: LogLine = { jobIndex, label: event.build, level: event.level, text: event.text, time };
      this.enqueue(agentLogSubject(buildId, agentName), line);
    } else {
      const ev: BuildEvent = { kind: "machine", jobIndex, target: event.build, type: event.type, data: event.data, time };
      this.enqueue(agentEventSubject(buildId, agentName), ev);
    }
  }

  /** Publishes a job-level event (job-started, job-finished) in order with the output. */
  event(ev: BuildEvent): void {
    this.enqueue(agentEventSubject(this.options.buildId, this.options.agentName), ev);
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
      this.sending = this.sending.then(() => this.publishBatch(batch));
    }
    return this.sending;
  }

  private enqueue(subject: string, message: LogLine | BuildEvent): void {
    const { buildId, jobIndex, attempt } = this.options;
    this.queue.push({ subject, message, msgID: `${buildId}.${jobIndex}.${attempt}.${this.seq++}` });
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
        // The server may be restarting: the connection reconnects by itself; wait and re-send.
        await new Promise((r) => setTimeout(r, Math.min(250 * (tryNo + 1), 2000)));
      }
    }
    this.options.onPublishError?.(lastError ?? new Error("publish failed"));
  }
}
