/**
 * The compressed forms of log text on the bus and the API (`Kiln-Encoding`, LogLine.text_encoding).
 *
 * LZ4 (the `lz4-napi` add-on, block format with the text's size in front) is the one agents write
 * when it loads. On bench/farm's lines (words of build logs; 47 MB in 64 KiB batches, here) it
 * decompresses about five times as fast as brotli at quality 0 (~30 ms against ~145, making the
 * strings included) and compresses about as fast (100–150 ms against 140–280), for a quarter more
 * bytes (2.25 times smaller instead of 2.8). Decompression is the client's share of the log data
 * plane, and the bytes saved by brotli cost the bus less than that; brotli stays for readers and
 * writers where the add-on does not load (a platform without a prebuilt binary) and for text
 * stored by agents before it.
 */
import { createRequire } from "node:module";
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants } from "node:zlib";
import { errorMessage } from "../error-message.js";
import { BusDecodeError } from "./messages.js";

/** Brotli (RFC 7932), as Kiln-Encoding and LogLine.text_encoding name it. */
export const BROTLI_TEXT = "br";
/** An LZ4 block, its decompressed size in front (4 bytes, little-endian): lz4_flex's `compress_prepend_size`. */
export const LZ4_TEXT = "lz4";
export type LogTextEncoding = typeof BROTLI_TEXT | typeof LZ4_TEXT;

/** Log text as stored, compressed: what a reader that decompresses it itself (the CLI) is handed. */
export interface EncodedLogText {
  encoding: LogTextEncoding;
  data: Uint8Array;
  /** The text's size in bytes once decompressed. */
  textBytes: number;
}

interface Lz4 {
  compressSync(data: Buffer): Buffer;
  uncompressSync(data: Uint8Array): Buffer;
}

/** The add-on, or why it did not load (the bundled CLI keeps it external: scripts/bundle-cli.mjs). */
const lz4: Lz4 | Error = (() => {
  try {
    return createRequire(import.meta.url)("lz4-napi") as Lz4;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
})();

/** Encodings this process decompresses, the one it writes first. */
export const READABLE_TEXT_ENCODINGS: readonly LogTextEncoding[] = lz4 instanceof Error ? [BROTLI_TEXT] : [LZ4_TEXT, BROTLI_TEXT];

export function isLogTextEncoding(name: string): name is LogTextEncoding {
  return name === BROTLI_TEXT || name === LZ4_TEXT;
}

/** `text` compressed in `encoding` (by default the first this process reads). */
export function compressLogText(text: Uint8Array, encoding: LogTextEncoding = READABLE_TEXT_ENCODINGS[0]!): Uint8Array {
  if (encoding === LZ4_TEXT) return lz4Module().compressSync(Buffer.from(text.buffer, text.byteOffset, text.byteLength));
  // Quality 0 and a 128 KiB window: the fastest brotli, above an agent's batches.
  return brotliCompressSync(text, {
    params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 0, [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT, [zlibConstants.BROTLI_PARAM_LGWIN]: 17, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: text.length },
  });
}

/** Decompresses log text, checked against the size it says; garbage, or a payload that inflates past it, throws BusDecodeError naming `subject`. */
export function decompressLogText(encoded: EncodedLogText, subject: string): string {
  const { encoding, data, textBytes } = encoded;
  let text: Buffer;
  try {
    text = encoding === LZ4_TEXT ? lz4Decompress(data, textBytes) : brotliDecompressSync(data, { maxOutputLength: Math.max(1, textBytes), chunkSize: Math.max(64, textBytes) });
  } catch (e) {
    throw new BusDecodeError("log line", subject, `payload: not ${textBytes} bytes of ${encoding === LZ4_TEXT ? "LZ4" : "brotli"}-compressed text (${errorMessage(e)})`);
  }
  if (text.length !== textBytes) throw new BusDecodeError("log line", subject, `payload: ${text.length} bytes once decompressed, not the ${textBytes} its headers say`);
  return text.toString("utf8");
}

/** The size in front must be the one the headers say: the add-on allocates what it reads there. */
function lz4Decompress(data: Uint8Array, textBytes: number): Buffer {
  if (data.length < 4) throw new Error(`${data.length} bytes, shorter than the size in front`);
  const stated = Buffer.from(data.buffer, data.byteOffset, 4).readUInt32LE(0);
  if (stated !== textBytes) throw new Error(`the block says ${stated} bytes`);
  return lz4Module().uncompressSync(data);
}

function lz4Module(): Lz4 {
  if (lz4 instanceof Error) throw new Error(`LZ4 is not available in this process (lz4-napi did not load: ${lz4.message})`);
  return lz4;
}
