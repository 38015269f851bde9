/**
 * Log lines on the bus as agents send them: the text itself is the payload (UTF-8; a batch of
 * consecutive lines of one label and level, newline-separated) and the rest of the LogLine rides
 * in headers. A batch of 128 KiB is then neither escaped into JSON by the agent nor parsed out of
 * it by every reader: JSON.stringify, the UTF-8 encoding of the JSON and joining the lines into
 * one string were ~40% of an agent's CPU while it printed lines as fast as it could (bench/farm,
 * log data plane). A LogLine sent as JSON (the controller's own lines, agents before this) still
 * reads: decodeLogLine tells them apart by the headers.
 */
import { headers as natsHeaders, type MsgHdrs } from "@nats-io/transport-node";
import { BusDecodeError, checkedMessage, decodeLogLineJson, logLineSchema, type LogLine } from "./messages.js";

const JOB = "Kiln-Job";
const LABEL = "Kiln-Label";
const LEVEL = "Kiln-Level";
const TIME = "Kiln-Time";

/** A LogLine's fields but its text, as headers (the label percent-encoded: any build name is safe in a header). */
export function logLineHeaders(line: Omit<LogLine, "text">): MsgHdrs {
  const h = natsHeaders();
  h.set(JOB, String(line.jobIndex));
  h.set(LABEL, encodeURIComponent(line.label));
  h.set(LEVEL, line.level);
  h.set(TIME, line.time);
  return h;
}

/** A log line message as either form; anything that is neither throws BusDecodeError. */
export function decodeLogLine(data: Uint8Array, subject: string, headers?: MsgHdrs): LogLine {
  const level = headers?.get(LEVEL);
  if (!level) return decodeLogLineJson(data, subject);
  let label: string;
  try {
    label = decodeURIComponent(headers!.get(LABEL));
  } catch {
    throw new BusDecodeError("log line", subject, `${LABEL}: not percent-encoded`);
  }
  const job = headers!.get(JOB);
  const candidate = { jobIndex: /^-?\d+$/.test(job) ? Number(job) : job, label, level, time: headers!.get(TIME), text: new TextDecoder().decode(data) };
  return checkedMessage("log line", logLineSchema, candidate, subject);
}

/**
 * A log line message's job and text size in bytes, without decoding its text: what counting
 * (the controller's /metrics) needs. The header form's payload is the text's UTF-8, so its length
 * is the answer; a JSON line is decoded as decodeLogLine would.
 */
export function measureLogLine(data: Uint8Array, subject: string, headers?: MsgHdrs): { jobIndex: number; textBytes: number } {
  if (!headers?.get(LEVEL)) {
    const line = decodeLogLineJson(data, subject);
    return { jobIndex: line.jobIndex, textBytes: Buffer.byteLength(line.text) };
  }
  const job = headers.get(JOB);
  if (!/^\d{1,9}$/.test(job)) throw new BusDecodeError("log line", subject, `${JOB}: not a job index`);
  return { jobIndex: Number(job), textBytes: data.length };
}
