/**
 * An OutputSink that ships a job's output to the bus: UI lines as LogLine on
 * `kiln.build.<id>.log` (their text as the payload, the rest in headers: shared/bus/log-line-wire.ts),
 * machine-readable records as `machine` events on `kiln.build.<id>.event`.
 * The runner emits synchronously and must never wait on the network, so lines are queued and
 * published in batches. Order is kept: a batch is sent in order on one connection (the server
 * stores it in that order) and the next batch waits for the previous one's acks. A failed batch
 * (server restart) is re-sent whole with the same message ids, so JetStream drops the copies it
 * already stored and nothing is lost, duplicated or reordered.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { MsgHdrs } from "@nats-io/transport-node";
import { agentEventSubject, agentLogSubject, encode, encodeLogText, logLineHeaders, type BuildEvent, type LogLine, type LogPayload } from "../../shared/bus/index.js";
import { BUILD_EVENT_RECORD } from "../../shared/build-events.js";
import type { OutputEvent, OutputSink } from "../runner/ui.js";

/** A stored message is acked in milliseconds; a missing ack means the server went away mid-publish. */
const PUBLISH_ACK_TIMEOUT_MS = 3000;

interface Pending {
  subject: string;
  /** An event, sent as JSON. */
  event?: BuildEvent;
  /** For a `kiln-event` record: the length of its data so far (events joined to it stop at EVENT_RECORD_BATCH_BYTES). */
  eventBytes?: number;
  /** A batch of lines: their text, UTF-8, written straight into a buffer as they come. */
  lines?: LineBatch;
  msgID: string;
}

interface LineBatch {
  meta: Omit<LogLine, "text">;
  buffer: Buffer;
  /** Bytes of `buffer` written. */
  used: number;
  /** Whether the text so far ends with a newline (the next line then needs no separator). */
  endsWithNewline: boolean;
  /** What goes on the bus, made once the batch is sent (a re-send sends the same bytes). */
  payload?: LogPayload;
}

/**
 * Consecutive lines of one label and level travel as one LogLine whose text holds them all,
 * newline-separated (readers already split a text into lines): one bus message per line capped
 * log throughput at a few thousand lines a second. Each line is encoded into the batch's buffer as
 * it is emitted: no string of the batch is made, no JSON (bench/farm's log data plane: joining,
 * escaping and encoding the batches were ~40% of the sink's CPU and most of its garbage).
 *
 * 64 KiB, not 128: a reader turns a batch into one string and V8 puts a string of 128 KiB or more
 * in its large-object space, a fresh mapping per string (on this VM, 47 MB as 128 KiB strings took
 * ~210 ms to make, as 64 KiB strings ~6 ms; lz4 decompression plus the string, 290 ms against
 * 20); buffers of that size are likewise mmap'd by malloc, and page faults are dear in a VM.
 */
const LINE_BATCH_BYTES = 64 * 1024;

/** A batch goes out when this much text waits (or maxBatch messages, or after flushIntervalMs). */
const FLUSH_TEXT_BYTES = 1024 * 1024;

/** Spare batch buffers kept: two flushes' worth (one filling while the other is in flight), 2 MiB. */
const MAX_SPARE_BUFFERS = (2 * FLUSH_TEXT_BYTES) / LINE_BATCH_BYTES;

/**
 * Consecutive `kiln-event` records of one build travel as one record holding them all (its data
 * fields, one event each: shared/build-events.ts), up to this much JSON: a null build's seven
 * (build and steps started and finished, the artifact) were seven publishes and seven acks, a
 * third of an agent's messages per job (bench/farm throughput).
 */
const EVENT_RECORD_BATCH_BYTES = 64 * 1024;

/**
 * Bytes enough for `text` in UTF-8: three per UTF-16 unit when that fits in `room`, else its
 * exact size (a scan, for the long texts of BuildUi.outputLines: a 64 KiB chunk of ASCII would
 * otherwise never join a batch).
 */
function utf8Bound(text: string, room = 0): number {
  const most = text.length * 3;
  return most <= room || text.length < 1024 ? most : Buffer.byteLength(text);
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
  /**
   * Full-size batch buffers whose batch is published, for the next batches: writing and
   * compressing bench/farm's 47 MB into a fresh buffer per batch took 160–260 ms here, into used
   * ones 145 (new memory is page faults: 7,000 on a first pass, and collections its size drives).
   */
  private readonly spare: Buffer[] = [];

  constructor(private readonly js: JetStreamClient, private readonly options: BusOutputSinkOptions) {
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.maxBatch = options.maxBatch ?? 256;
    this.logSubject = agentLogSubject(options.buildId, options.agentName);
    this.eventSubject = agentEventSubject(options.buildId, options.agentName);
  }

  emit(event: OutputEvent): void {
    const { jobIndex } = this.options;
    if (event.kind === "ui") {
      const lines = this.queue.at(-1)?.lines;
      if (lines && lines.meta.label === event.build && lines.meta.level === event.level && this.append(lines, event.text)) return;
      const meta = { jobIndex, label: event.build, level: event.level, time: new Date().toISOString() };
      // Small at first (a job printing a line now and then must not make a 64 KiB buffer per
      // flush: external memory drives V8's full collections), doubled as lines come; a chunk of
      // lines (BuildUi.outputLines) means a chatty job, whose batch is made full size at once; a
      // text longer than a batch goes alone, in a buffer of its own size.
      const bytes = utf8Bound(event.text);
      const size = bytes > LINE_BATCH_BYTES ? bytes : bytes >= LINE_BATCH_BYTES / 8 ? LINE_BATCH_BYTES : Math.max(1024, bytes);
      const batch: LineBatch = { meta, buffer: this.buffer(size), used: 0, endsWithNewline: false };
      this.append(batch, event.text, true);
      this.enqueue({ subject: this.logSubject, lines: batch });
    } else {
      if (event.type === BUILD_EVENT_RECORD && this.joinEventRecord(event.build, event.data)) return;
      const ev: BuildEvent = { kind: "machine", jobIndex, target: event.build, type: event.type, data: [...event.data], time: new Date().toISOString() };
      this.enqueue({ subject: this.eventSubject, event: ev, eventBytes: byteCount(event.data) });
    }
  }

  /** Adds events to the `kiln-event` record last queued, when it is one of this build's with room left (it is not sent yet). */
  private joinEventRecord(target: string, data: readonly string[]): boolean {
    const last = this.queue.at(-1);
    if (last?.event?.kind !== "machine" || last.event.type !== BUILD_EVENT_RECORD || last.event.target !== target) return false;
    const bytes = byteCount(data);
    if ((last.eventBytes ?? 0) + bytes > EVENT_RECORD_BATCH_BYTES) return false;
    last.event.data.push(...data);
    last.eventBytes = (last.eventBytes ?? 0) + bytes;
    return true;
  }

  /** Writes `text` into the batch (after a newline unless it has one); false when it does not fit. */
  private append(batch: LineBatch, text: string, first = false): boolean {
    const separator = first || batch.endsWithNewline ? 0 : 1;
    const needed = batch.used + separator + utf8Bound(text, batch.buffer.length - batch.used - separator);
    if (needed > batch.buffer.length) {
      if (needed > LINE_BATCH_BYTES) return false;
      const grown = this.buffer(Math.min(LINE_BATCH_BYTES, Math.max(needed, batch.buffer.length * 2)));
      batch.buffer.copy(grown, 0, 0, batch.used);
      batch.buffer = grown;
    }
    if (separator) batch.buffer[batch.used++] = 0x0a;
    const written = batch.buffer.write(text, batch.used, "utf8");
    batch.used += written;
    batch.endsWithNewline = text.endsWith("\n");
    this.queuedText += separator + written;
    if (this.queuedText >= FLUSH_TEXT_BYTES) void this.flush();
    return true;
  }

  /** Publishes a job-level event (job-started, job-finished) in order with the output. */
  event(ev: BuildEvent): void {
    this.enqueue({ subject: this.eventSubject, event: ev });
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
      this.sending = this.sending.then(() => this.publishBatch(batch));
    }
    return this.sending;
  }

  private enqueue(p: Omit<Pending, "msgID">): void {
    const { buildId, jobIndex, attempt } = this.options;
    this.queue.push({ ...p, msgID: `${buildId}.${jobIndex}.${attempt}.${this.seq++}` });
    if (this.queue.length >= this.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs);
  }

  /** A buffer of `size` bytes: a spare one when it is a full batch's. */
  private buffer(size: number): Buffer {
    return (size === LINE_BATCH_BYTES && this.spare.pop()) || Buffer.allocUnsafe(size);
  }

  private async publishBatch(batch: Pending[]): Promise<void> {
    try {
      await this.publishWithRetries(batch);
    } finally {
      // Sent or given up on: nothing reads these buffers again (an uncompressed payload is a view of one).
      for (const p of batch) if (p.lines?.buffer.length === LINE_BATCH_BYTES && this.spare.length < MAX_SPARE_BUFFERS) this.spare.push(p.lines.buffer);
    }
  }

  private async publishWithRetries(batch: Pending[]): Promise<void> {
    let lastError: Error | undefined;
    for (let tryNo = 0; tryNo < 20; tryNo++) {
      try {
        await Promise.all(batch.map((p) => this.js.publish(p.subject, payloadOf(p), { msgID: p.msgID, timeout: PUBLISH_ACK_TIMEOUT_MS, headers: headersOf(p) })));
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

/** What goes on the bus for a queued item (the same bytes on a re-send: the client copies them). */
function payloadOf(p: Pending): Uint8Array {
  if (!p.lines) return encode(p.event);
  p.lines.payload ??= encodeLogText(p.lines.buffer.subarray(0, p.lines.used));
  return p.lines.payload.data;
}

/** Called after payloadOf: a batch's headers say whether its payload is compressed. */
function headersOf(p: Pending): MsgHdrs | undefined {
  return p.lines ? logLineHeaders(p.lines.meta, p.lines.payload) : undefined;
}

/** Characters in a record's data fields: near enough its JSON's size to cap a batch. */
function byteCount(data: readonly string[]): number {
  return data.reduce((sum, field) => sum + field.length, 0);
}
