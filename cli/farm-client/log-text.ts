/**
 * Log text the controller passes on as agents stored it, compressed (WatchBuildRequest's
 * accept_text_encodings): this client decompresses it, so the controller neither inflates every
 * batch nor sends it at full size. Text that cannot be read (a corrupt batch) becomes an error
 * line saying so, in its place: the watch goes on, and the gap is not silent.
 */
import type { BuildOutput } from "../../proto/gen/kiln/v1/farm.js";
import { BusDecodeError, decompressLogText, READABLE_TEXT_ENCODINGS, type LogTextEncoding } from "../../shared/bus/index.js";

/** What this client asks for in WatchBuildRequest.accept_text_encodings: what it decompresses. */
export const ACCEPTED_TEXT_ENCODINGS: readonly string[] = READABLE_TEXT_ENCODINGS;

/** The item with its log text decompressed (the same item when it carries plain text). */
export function withPlainLogText(item: BuildOutput): BuildOutput {
  const log = item.log;
  if (!log || log.textEncoding === "") return item;
  const where = `build output sequence ${item.sequence}`;
  let { level } = log;
  let text: string;
  try {
    if (!READABLE_TEXT_ENCODINGS.includes(log.textEncoding as LogTextEncoding)) throw new BusDecodeError("log line", where, `text encoding "${log.textEncoding}" is not one this client reads (${ACCEPTED_TEXT_ENCODINGS.join(", ")})`);
    text = decompressLogText({ encoding: log.textEncoding as LogTextEncoding, data: log.encodedText, textBytes: log.textBytes }, where);
  } catch (e) {
    if (!(e instanceof BusDecodeError)) throw e;
    level = "error";
    text = `kiln: ${log.textBytes} bytes of ${log.label}'s output could not be read: ${e.message}`;
  }
  return { ...item, log: { ...log, level, text, encodedText: new Uint8Array(0), textEncoding: "", textBytes: 0 } };
}
