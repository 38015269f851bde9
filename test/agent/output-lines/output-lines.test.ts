/**
 * Both OutputLines (a local process's output: agent/local-shell; a remote command's:
 * agent/provisioners/shell) given a way to take whole chunks of lines must show exactly the lines
 * they show one by one, however the output is cut, whatever it holds.
 */
import test from "ava";
import { OutputLines as LocalLines } from "../../../agent/local-shell/output-lines.js";
import { OutputLines as RemoteLines } from "../../../agent/provisioners/shell/output-lines.js";
import { xorshift32 } from "../../fixtures/xorshift.js";

type Lines = { push(chunk: string): void; flush(): void };
type Make = (emit: (line: string) => void, emitLines?: (lines: string) => void) => Lines;

const KINDS: [string, Make][] = [
  ["local-shell", (e, b) => new LocalLines(e, b)],
  ["provisioners/shell", (e, b) => new RemoteLines(e, b)],
];


/** Output with everything the rules touch: empty lines, CRLF, progress bars, trailing blanks, wide whitespace, multi-byte text. */
const PIECES = ["apt-get install", "done", "", " ", "\t", "\r", "\r\n", "\n", "\n", "\n", "50%\r100%", "ünïcode ✓", "\u00a0", "\u3000", "\u2028", "line"];

function output(next: () => number, pieces: number): string {
  return Array.from({ length: pieces }, () => PIECES[next() % PIECES.length]).join("");
}

function cut(text: string, next: () => number): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; ) {
    const n = 1 + (next() % 40);
    chunks.push(text.slice(i, i + n));
    i += n;
  }
  return chunks;
}

function linesShown(make: Make, chunks: readonly string[], whole: boolean): { lines: string[]; events: number } {
  const lines: string[] = [];
  let events = 0;
  const one = (line: string): void => {
    events++;
    lines.push(line);
  };
  // As a sink shows a chunk of lines: each its own line (TerminalSink, the bus batch readers).
  const many = (block: string): void => {
    events++;
    lines.push(...block.split("\n"));
  };
  const out = make(one, whole ? many : undefined);
  for (const c of chunks) out.push(c);
  out.flush();
  return { lines, events };
}

for (const [kind, make] of KINDS) {
  test(`${kind}: lines passed on whole are the lines passed one by one, for any output cut anywhere`, (t) => {
    const next = xorshift32(kind.length * 7919);
    for (let round = 0; round < 3000; round++) {
      const chunks = cut(output(next, 1 + (next() % 60)), next);
      const single = linesShown(make, chunks, false);
      const whole = linesShown(make, chunks, true);
      if (JSON.stringify(whole.lines) !== JSON.stringify(single.lines)) {
        t.fail(`round ${round}: chunks ${JSON.stringify(chunks)} gave ${JSON.stringify(whole.lines)} whole, ${JSON.stringify(single.lines)} one by one`);
        return;
      }
    }
    t.pass();
  });

  test(`${kind}: clean output goes as one event per chunk`, (t) => {
    const chunk = Array.from({ length: 500 }, (_, i) => `line ${i} of a chatty program`).join("\n") + "\n";
    const shown = linesShown(make, [chunk, chunk], true);
    t.is(shown.lines.length, 1000);
    t.is(shown.events, 2);
    t.is(shown.lines[999], "line 499 of a chatty program");
  });
}
