/**
 * WatchBuild's response messages. An item that carries a batch of log text (up to 64 KiB, or that
 * compressed) is written with the text copied once, straight into the Buffer grpc-js frames: the
 * generated encoder copies it three times (into its writer, out of it with `finish`, into a
 * Buffer with `Buffer.from`), and at log rates those copies were a sixth of the controller's
 * CPU (bench/farm's log data plane). Other items, and short texts, go through the generated
 * encoder. The message decodes to the same BuildOutput as the generated encoder's bytes
 * (test/controller); the text's field is written last, which protobuf allows.
 */
import { BuildOutput, LogLine } from "../proto/gen/kiln/v1/farm.js";
import { varintLength, writeVarint } from "./protobuf-varint.js";

/** BuildOutput.log (field 3), LogLine.text (4) and LogLine.encoded_text (5): length-delimited, as protobuf tags. */
const LOG_TAG = (3 << 3) | 2;
const TEXT_TAG = (4 << 3) | 2;
const ENCODED_TEXT_TAG = (5 << 3) | 2;

/** Below this the generated encoder's copies cost less than the work of avoiding them. */
const DIRECT_FROM_BYTES = 1024;

export function encodeBuildOutput(item: BuildOutput): Buffer {
  const log = item.log;
  if (!log || (log.text.length < DIRECT_FROM_BYTES && log.encodedText.length < DIRECT_FROM_BYTES)) return asBuffer(BuildOutput.encode(item).finish());
  const head = BuildOutput.encode({ ...item, log: undefined }).finish();
  const logHead = LogLine.encode({ ...log, text: "", encodedText: new Uint8Array(0) }).finish();
  const textBytes = Buffer.byteLength(log.text);
  const textField = textBytes > 0 ? 1 + varintLength(textBytes) + textBytes : 0;
  const encoded = log.encodedText;
  const encodedField = encoded.length > 0 ? 1 + varintLength(encoded.length) + encoded.length : 0;
  const logBytes = logHead.length + textField + encodedField;
  const out = Buffer.allocUnsafe(head.length + 1 + varintLength(logBytes) + logBytes);
  out.set(head, 0);
  let at = head.length;
  out[at++] = LOG_TAG;
  at = writeVarint(out, at, logBytes);
  out.set(logHead, at);
  at += logHead.length;
  if (textField > 0) {
    out[at++] = TEXT_TAG;
    at = writeVarint(out, at, textBytes);
    at += out.write(log.text, at, "utf8");
  }
  if (encodedField > 0) {
    out[at++] = ENCODED_TEXT_TAG;
    at = writeVarint(out, at, encoded.length);
    out.set(encoded, at);
  }
  return out;
}

/** The encoder's bytes as a Buffer over the same memory (`Buffer.from` would copy them). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
