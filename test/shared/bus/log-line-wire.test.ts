import test from "ava";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { brotliCompressSync } from "node:zlib";
import {
  BROTLI_TEXT,
  BusDecodeError,
  LZ4_TEXT,
  READABLE_TEXT_ENCODINGS,
  type LogTextEncoding,
  decodeLogLine,
  decodeLogLineKeepingEncoding,
  decompressLogText,
  encode,
  encodeLogText,
  logLineHeaders,
  measureLogLine,
  type LogLine,
} from "../../../shared/bus/index.js";

const SUBJECT = "kiln.build.b1.by.a1.log";

test("a log line travels as its text with the rest in headers, and reads back whole: any label, multi-byte text", (t) => {
  const line: LogLine = { jobIndex: 3, label: "vm (shell-local) ünïcode: 100% \r\n done", level: "error", text: "first ✓\nsecond — 日本語\n", time: "2026-12-06T11:00:00.000Z" };
  const { text, ...meta } = line;
  const headers = logLineHeaders(meta);
  t.deepEqual(decodeLogLine(new TextEncoder().encode(text), SUBJECT, headers), line);
  // The label never reaches a header raw (a CR/LF there would end the header block).
  t.false(/[\r\n ]/.test(headers.get("Kiln-Label")));
});

test("a JSON log line (the controller's own, older agents) still reads, with or without other headers", (t) => {
  const line: LogLine = { jobIndex: 0, label: "vm", level: "say", text: "==> vm: hi", time: new Date().toISOString() };
  t.deepEqual(decodeLogLine(encode(line), SUBJECT), line);
  const other = logLineHeaders(line);
  other.delete("Kiln-Level"); // no level header: not the headers form
  t.deepEqual(decodeLogLine(encode(line), SUBJECT, other), line);
});

test("bad headers are refused naming the field, not taken for a JSON line", (t) => {
  const meta = { jobIndex: 0, label: "vm", level: "say" as const, time: "t" };
  const data = new TextEncoder().encode("x");
  const level = logLineHeaders(meta);
  level.set("Kiln-Level", "shout");
  t.throws(() => decodeLogLine(data, SUBJECT, level), { instanceOf: BusDecodeError, message: /level/ });
  const job = logLineHeaders(meta);
  job.set("Kiln-Job", "zero");
  t.throws(() => decodeLogLine(data, SUBJECT, job), { instanceOf: BusDecodeError, message: /jobIndex/ });
  const label = logLineHeaders(meta);
  label.set("Kiln-Label", "%E0%A4%A");
  t.throws(() => decodeLogLine(data, SUBJECT, label), { instanceOf: BusDecodeError, message: /Kiln-Label/ });
});

test("measureLogLine gives the job and the text's UTF-8 size of either form without decoding the headers form's text", (t) => {
  const line: LogLine = { jobIndex: 2, label: "vm", level: "say", text: "ünïcode ✓ 日本語\n", time: "t" };
  const { text, ...meta } = line;
  const bytes = Buffer.byteLength(text);
  t.deepEqual(measureLogLine(new TextEncoder().encode(text), SUBJECT, logLineHeaders(meta)), { jobIndex: 2, textBytes: bytes });
  t.deepEqual(measureLogLine(encode(line), SUBJECT), { jobIndex: 2, textBytes: bytes });
  const job = logLineHeaders(meta);
  for (const bad of ["-1", "1.5", "100001", "x"]) {
    job.set("Kiln-Job", bad);
    t.throws(() => measureLogLine(new Uint8Array(1), SUBJECT, job), { instanceOf: BusDecodeError, message: /Kiln-Job/ }, bad);
    // Decoding the whole line refuses the same job indexes.
    t.throws(() => decodeLogLine(new Uint8Array(1), SUBJECT, job), { instanceOf: BusDecodeError, message: /jobIndex/ }, bad);
  }
  t.throws(() => measureLogLine(new TextEncoder().encode("{not json"), SUBJECT), { instanceOf: BusDecodeError });
});

/** A batch as an agent's sink makes one: many lines, some multi-byte. */
const batchText = (lines: number): string => Array.from({ length: lines }, (_, i) => `step ${i}: Unpacking libfoo-${i % 97} (2.${i % 13}) … ✓`).join("\n");

/** Both encodings: LZ4, which agents write, and brotli, which they wrote before and write where LZ4 does not load. */
const ENCODINGS: readonly LogTextEncoding[] = [LZ4_TEXT, BROTLI_TEXT];
const NAMES = { [LZ4_TEXT]: "LZ4", [BROTLI_TEXT]: "brotli" };

test("this process reads both encodings and writes LZ4 (the add-on loads on this platform)", (t) => {
  t.deepEqual(READABLE_TEXT_ENCODINGS, [LZ4_TEXT, BROTLI_TEXT]);
  t.is(encodeLogText(Buffer.from(batchText(2000))).encoding, LZ4_TEXT);
});

for (const encoding of ENCODINGS) {
  test(`${encoding}: a big batch travels compressed and reads back whole; its headers say so, and measureLogLine counts the text, not the payload`, (t) => {
    const meta = { jobIndex: 1, label: "vm", level: "message" as const, time: "2026-12-06T11:00:00.000Z" };
    const text = batchText(2000);
    const utf8 = Buffer.from(text);
    const payload = encodeLogText(utf8, encoding);
    t.is(payload.textBytes, utf8.length);
    t.true(payload.data.length < utf8.length / 2, `compressed to ${payload.data.length} of ${utf8.length} bytes`);
    const headers = logLineHeaders(meta, payload);
    t.is(headers.get("Kiln-Encoding"), encoding);
    t.deepEqual(decodeLogLine(payload.data, SUBJECT, headers), { ...meta, text });
    t.deepEqual(measureLogLine(payload.data, SUBJECT, headers), { jobIndex: 1, textBytes: utf8.length });
    // Kept compressed for a reader that passes it on, then decompressed by whoever shows it.
    const kept = decodeLogLineKeepingEncoding(payload.data, SUBJECT, headers);
    t.deepEqual(kept.line, { ...meta, text: "" });
    t.is(kept.encoded?.encoding, encoding);
    t.is(kept.encoded?.textBytes, utf8.length);
    t.is(decompressLogText(kept.encoded!, SUBJECT), text);
  });

  test(`${encoding}: small batches and text that does not shrink go as they are, without the headers of a compressed one`, (t) => {
    const small = Buffer.from("==> vm: one line");
    t.deepEqual(encodeLogText(small, encoding), { data: small });
    const noise = Buffer.from(randomBytes(48 * 1024).toString("base64")); // base64 of random bytes shrinks by a quarter at best
    const incompressible = Buffer.from(randomBytes(48 * 1024).toString("latin1"), "latin1");
    t.deepEqual(encodeLogText(incompressible, encoding), { data: incompressible });
    t.true(encodeLogText(noise, encoding).data.length <= noise.length);
    const headers = logLineHeaders({ jobIndex: 0, label: "vm", level: "say", time: "t" }, encodeLogText(small, encoding));
    t.is(headers.get("Kiln-Encoding"), "");
    t.is(decodeLogLine(small, SUBJECT, headers).text, "==> vm: one line");
  });

  test(`${encoding}: a compressed payload that is garbage, inflates past its stated size, or names an unknown encoding is refused naming the field`, (t) => {
    const meta = { jobIndex: 0, label: "vm", level: "say" as const, time: "t" };
    const text = Buffer.from(batchText(1000));
    const payload = encodeLogText(text, encoding);
    const refused = (data: Uint8Array, set: Record<string, string>, message: RegExp): void => {
      const headers = logLineHeaders(meta, payload);
      for (const [k, v] of Object.entries(set)) headers.set(k, v);
      t.throws(() => decodeLogLine(data, SUBJECT, headers), { instanceOf: BusDecodeError, message });
      // Counting reads the stated size only: a bad one is refused there too.
      if (!message.source.startsWith("Kiln-Text-Bytes")) return;
      t.throws(() => measureLogLine(data, SUBJECT, headers), { instanceOf: BusDecodeError, message });
    };
    refused(payload.data.subarray(0, 100), {}, new RegExp(`payload: not \\d+ bytes of ${NAMES[encoding]}-compressed text`));
    refused(randomBytes(500), {}, /payload/);
    // Garbage of every length, a size in front or not: refused, never a crash of the process.
    for (let n = 0; n < 2000; n++) {
      const garbage = randomBytes(1 + (n % 300));
      if (encoding === LZ4_TEXT && garbage.length >= 4 && n % 2 === 0) garbage.writeUInt32LE(text.length, 0);
      t.throws(() => decodeLogLine(garbage, SUBJECT, logLineHeaders(meta, payload)), { instanceOf: BusDecodeError });
    }
    // A small stated size does not let a payload inflate past it (a decompression bomb stops there).
    const bomb = compressedBy(encoding, Buffer.alloc(64 * 1024 * 1024, 0x61));
    refused(bomb, { "Kiln-Text-Bytes": "100" }, /payload/);
    refused(payload.data, { "Kiln-Text-Bytes": String(text.length + 1) }, encoding === LZ4_TEXT ? /payload: not \d+ bytes of LZ4-compressed text \(the block says \d+ bytes\)/ : /payload: \d+ bytes once decompressed, not the \d+/);
    refused(payload.data, { "Kiln-Text-Bytes": "lots" }, /Kiln-Text-Bytes/);
    refused(payload.data, { "Kiln-Text-Bytes": String(17 * 1024 * 1024) }, /Kiln-Text-Bytes/);
    refused(payload.data, { "Kiln-Encoding": "zstd" }, /Kiln-Encoding: "zstd"/);
  });
}

test("LZ4 text whose block states a size other than its headers' is refused before anything is allocated for it", (t) => {
  const text = Buffer.from(batchText(1000));
  const payload = encodeLogText(text, LZ4_TEXT);
  const forged = Buffer.from(payload.data);
  forged.writeUInt32LE(0xf0000000, 0); // ~4 GB
  const headers = logLineHeaders({ jobIndex: 0, label: "vm", level: "say", time: "t" }, payload);
  t.throws(() => decodeLogLine(forged, SUBJECT, headers), { instanceOf: BusDecodeError, message: /the block says 4026531840 bytes/ });
});

/** `data` compressed whole, without the size check encodeLogText makes (a bomb is what no honest agent sends). */
function compressedBy(encoding: LogTextEncoding, data: Buffer): Uint8Array {
  if (encoding === BROTLI_TEXT) return brotliCompressSync(data);
  return (createRequire(import.meta.url)("lz4-napi") as { compressSync(b: Buffer): Buffer }).compressSync(data);
}
