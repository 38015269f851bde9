/**
 * Log lines on the bus as agents send them: the text itself is the payload (UTF-8; a batch of
 * consecutive lines of one label and level, newline-separated) and the rest of the LogLine rides
 * in headers. A batch of 64 KiB is then neither escaped into JSON by the agent nor parsed out of
 * it by every reader: JSON.stringify, the UTF-8 encoding of the JSON and joining the lines into
 * one string were ~40% of an agent's CPU while it printed lines as fast as it could (bench/farm,
 * log data plane). A LogLine sent as JSON (the controller's own lines, agents before this) still
 * reads: decodeLogLine tells them apart by the headers.
 */
import { headers as natsHeaders, type MsgHdrs } from "@nats-io/transport-node";
import { BusDecodeError, checkedMessage, decodeLogLineJson, jobIndexField, logLineSchema, type LogLine } from "./messages.js";
import { compressLogText, decompressLogText, isLogTextEncoding, READABLE_TEXT_ENCODINGS, type EncodedLogText, type LogTextEncoding } from "./log-text-codec.js";

const JOB = "Kiln-Job";
const LABEL = "Kiln-Label";
const LEVEL = "Kiln-Level";
const TIME = "Kiln-Time";
/** How the payload is compressed (shared/bus/log-text-codec.ts); absent: the payload is the text itself. */
const ENCODING = "Kiln-Encoding";
/** The text's size in bytes (UTF-8) when the payload is compressed: what readers check and count. */
const TEXT_BYTES = "Kiln-Text-Bytes";

/**
 * Batches smaller than this go as they are: a job printing now and then gains nothing from
 * compression and its readers would pay for it on every line.
 */
const COMPRESS_FROM_BYTES = 8 * 1024;
/** Most text one log message may hold once decompressed: far above the agent's 64 KiB batches, below what would hurt a reader. */
const MAX_TEXT_BYTES = 16 * 1024 * 1024;

/** A batch of log text as it goes on the bus: compressed when that pays, with the headers that say so. */
export interface LogPayload {
  data: Uint8Array;
  /** Set when `data` is compressed: how, and the text's size in bytes. */
  encoding?: LogTextEncoding;
  textBytes?: number;
}

/**
 * Compresses a batch of log text (log-text-codec.ts says with what). Every byte not sent is one
 * the agent does not write to its socket, the server neither stores nor delivers, and the
 * controller does not copy out of its socket (bench/farm's log data plane was CPU-bound on those
 * copies), and the output stream retains less than half the disk. Text that does not shrink by an
 * eighth goes as it is.
 */
export function encodeLogText(text: Uint8Array, encoding: LogTextEncoding = READABLE_TEXT_ENCODINGS[0]!): LogPayload {
  if (text.length < COMPRESS_FROM_BYTES) return { data: text };
  const compressed = compressLogText(text, encoding);
  return compressed.length <= text.length - text.length / 8 ? { data: compressed, encoding, textBytes: text.length } : { data: text };
}

/** A LogLine's fields but its text, as headers (the label percent-encoded: any build name is safe in a header). */
export function logLineHeaders(line: Omit<LogLine, "text">, payload?: LogPayload): MsgHdrs {
  const h = natsHeaders();
  h.set(JOB, String(line.jobIndex));
  h.set(LABEL, encodeURIComponent(line.label));
  h.set(LEVEL, line.level);
  h.set(TIME, line.time);
  if (payload?.encoding !== undefined && payload.textBytes !== undefined) {
    h.set(ENCODING, payload.encoding);
    h.set(TEXT_BYTES, String(payload.textBytes));
  }
  return h;
}

function textBytesOf(subject: string, headers: MsgHdrs): number {
  const value = headers.get(TEXT_BYTES);
  const bytes = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(bytes <= MAX_TEXT_BYTES)) throw new BusDecodeError("log line", subject, `${TEXT_BYTES}: "${value}" is not a size up to ${MAX_TEXT_BYTES} bytes`);
  return bytes;
}

/** A headers-form payload's text: compressed, as the headers say, or the text's UTF-8 itself. */
function payloadText(data: Uint8Array, subject: string, headers: MsgHdrs): EncodedLogText | Uint8Array {
  const encoding = headers.get(ENCODING);
  if (!encoding) return data;
  if (!isLogTextEncoding(encoding)) throw new BusDecodeError("log line", subject, `${ENCODING}: "${encoding}" is not an encoding Kiln reads (${READABLE_TEXT_ENCODINGS.join(", ")})`);
  return { encoding, data, textBytes: textBytesOf(subject, headers) };
}

/** A log line message as either form; anything that is neither throws BusDecodeError. */
export function decodeLogLine(data: Uint8Array, subject: string, headers?: MsgHdrs): LogLine {
  const { line, encoded } = decodeLogLineKeepingEncoding(data, subject, headers);
  return encoded ? { ...line, text: decompressLogText(encoded, subject) } : line;
}

/**
 * decodeLogLine, but compressed text is left compressed (`encoded`, with `line.text` empty) for a
 * reader that passes it on: the controller to a client that decompresses it itself.
 */
export function decodeLogLineKeepingEncoding(data: Uint8Array, subject: string, headers?: MsgHdrs): { line: LogLine; encoded?: EncodedLogText } {
  const level = headers?.get(LEVEL);
  if (!level) return { line: decodeLogLineJson(data, subject) };
  let label: string;
  try {
    label = decodeURIComponent(headers!.get(LABEL));
  } catch {
    throw new BusDecodeError("log line", subject, `${LABEL}: not percent-encoded`);
  }
  const job = headers!.get(JOB);
  const text = payloadText(data, subject, headers!);
  const candidate = { jobIndex: /^-?\d+$/.test(job) ? Number(job) : job, label, level, time: headers!.get(TIME), text: text instanceof Uint8Array ? new TextDecoder().decode(text) : "" };
  const line = checkedMessage("log line", logLineSchema, candidate, subject);
  return text instanceof Uint8Array ? { line } : { line, encoded: text };
}

/**
 * A log line message's job and text size in bytes, without decoding its text: what counting
 * (the controller's /metrics) needs. The header form's payload is the text's UTF-8, so its length
 * is the answer (a compressed one says its text's size in a header); a JSON line is decoded as
 * decodeLogLine would.
 */
export function measureLogLine(data: Uint8Array, subject: string, headers?: MsgHdrs): { jobIndex: number; textBytes: number } {
  if (!headers?.get(LEVEL)) {
    const line = decodeLogLineJson(data, subject);
    return { jobIndex: line.jobIndex, textBytes: Buffer.byteLength(line.text) };
  }
  const job = headers.get(JOB);
  // The schema's rule for a job index, without checking the rest of the line.
  const jobIndex = /^\d{1,9}$/.test(job) ? jobIndexField.safeParse(Number(job)) : undefined;
  if (!jobIndex?.success) throw new BusDecodeError("log line", subject, `${JOB}: "${job}" is not a job index`);
  return { jobIndex: jobIndex.data, textBytes: headers.get(ENCODING) ? textBytesOf(subject, headers) : data.length };
}
