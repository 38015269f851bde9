import test from "ava";
import { BusDecodeError, decodeLogLine, encode, logLineHeaders, measureLogLine, type LogLine } from "../../../shared/bus/index.js";

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
  job.set("Kiln-Job", "-1");
  t.throws(() => measureLogLine(new Uint8Array(1), SUBJECT, job), { instanceOf: BusDecodeError, message: /Kiln-Job/ });
  t.throws(() => measureLogLine(new TextEncoder().encode("{not json"), SUBJECT), { instanceOf: BusDecodeError });
});
