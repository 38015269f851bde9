import { lexHcl, type Token, type TokenType } from "./native-tokens.js";

/**
 * `packer fmt`'s canonical formatting (hclwrite.Format of hcl v2.6.0, as in Packer 1.6.6): only the spaces between tokens change.
 * Lines are split into cells (lead, `= value`, trailing comment); indentation follows bracket
 * nesting, spacing follows hclwrite's rules, and `=` and comments align over consecutive lines.
 */
export function formatHcl(source: string): string {
  const tokens = lexHcl(source).map((t) => ({ ...t, spacesBefore: 0 }));
  const eof = tokens[tokens.length - 1];
  // The EOF token keeps the spaces that preceded it (hclwrite never touches it).
  const lastEnd = tokens.length > 1 ? tokens[tokens.length - 2].end : 0;
  eof.spacesBefore = source.slice(lastEnd).length;
  const lines = linesForFormat(tokens.slice(0, -1));
  formatIndent(lines);
  formatSpaces(lines);
  formatCells(lines);
  let out = source.charCodeAt(0) === 0xfeff ? "\ufeff" : "";
  for (const t of tokens) out += " ".repeat(t.spacesBefore) + t.text;
  return out;
}

type FmtToken = Omit<Token, "type"> & { type: TokenType | "Nil"; spacesBefore: number };
interface FormatLine {
  lead: FmtToken[];
  assign?: FmtToken[];
  comment?: FmtToken[];
}

/** hclwrite's placeholder for "no token" before the first or after the last token of a cell. */
const nilToken = (): FmtToken => ({ type: "Nil", start: 0, end: 0, text: "", spacesBefore: 0 });

function isNewline(t: FmtToken): boolean {
  return t.type === "Newline" || (t.type === "Comment" && t.text.endsWith("\n"));
}

function bracketChange(t: FmtToken): number {
  switch (t.type) {
    case "OBrace":
    case "OBrack":
    case "OParen":
    case "TemplateControl":
    case "TemplateInterp":
      return 1;
    case "CBrace":
    case "CBrack":
    case "CParen":
    case "TemplateSeqEnd":
      return -1;
    default:
      return 0;
  }
}

function linesForFormat(tokens: FmtToken[]): FormatLine[] {
  const lines: FormatLine[] = [];
  let start = 0;
  tokens.forEach((t, i) => {
    if (isNewline(t)) {
      lines.push({ lead: tokens.slice(start, i + 1) });
      start = i + 1;
    }
  });
  lines.push({ lead: tokens.slice(start) });
  for (const line of lines) {
    if (line.lead.length === 0) continue;
    if (line.lead.length > 1 && line.lead[line.lead.length - 1].type === "Comment") {
      line.comment = line.lead.slice(-1);
      line.lead = line.lead.slice(0, -1);
    }
    for (let i = 1; i < line.lead.length; i++) {
      if (line.lead[i].type !== "Equal") continue;
      // Only a whole expression on this line makes an alignable "= value" cell.
      const net = line.lead.slice(i).reduce((s, t) => s + bracketChange(t), 0);
      if (net === 0) {
        line.assign = line.lead.slice(i);
        line.lead = line.lead.slice(0, i);
      }
      break;
    }
  }
  return lines;
}

function formatIndent(lines: FormatLine[]): void {
  const indents: number[] = [];
  for (const line of lines) {
    if (line.lead.length === 0) continue;
    if (line.lead[0].type === "Newline") {
      line.lead[0].spacesBefore = 0;
      continue;
    }
    let net = 0;
    for (const t of line.lead) {
      net += bracketChange(t);
      if (t.type === "OHeredoc") break;
    }
    for (const t of line.assign ?? []) net += bracketChange(t);
    if (net > 0) {
      line.lead[0].spacesBefore = 2 * indents.length;
      indents.push(net);
    } else if (net < 0) {
      let closed = -net;
      while (closed > 0 && indents.length > 0) {
        const top = indents[indents.length - 1];
        if (closed > top) {
          closed -= top;
          indents.pop();
        } else if (closed < top) {
          indents[indents.length - 1] -= closed;
          closed = 0;
        } else {
          indents.pop();
          closed = 0;
        }
      }
      line.lead[0].spacesBefore = 2 * indents.length;
    } else line.lead[0].spacesBefore = 2 * indents.length;
  }
}

function formatSpaces(lines: FormatLine[]): void {
  const cell = (ts: FmtToken[], isAssign: boolean) => {
    ts.forEach((t, i) => {
      if (isAssign && i === 0) t.spacesBefore = 1;
      const before = i > 0 ? ts[i - 1] : nilToken();
      const after = i < ts.length - 1 ? ts[i + 1] : nilToken();
      after.spacesBefore = spaceAfterToken(t, before, after) ? 1 : 0;
    });
  };
  for (const line of lines) {
    cell(line.lead, false);
    if (line.assign) cell(line.assign, true);
  }
}

function columns(ts: FmtToken[] | undefined): number {
  let n = 0;
  for (const t of ts ?? []) n += t.spacesBefore + graphemes(t.text);
  return n;
}

// Created on first use: building a segmenter loads ICU data (milliseconds), and most files are ASCII.
let segmenter: Intl.Segmenter | undefined;
function graphemes(s: string): number {
  // ASCII fast path: one grapheme per character.
  if (/^[\x00-\x7f]*$/.test(s)) return s.length;
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  let n = 0;
  for (const _ of segmenter.segment(s)) n++;
  return n;
}

function formatCells(lines: FormatLine[]): void {
  const align = (cellOf: (l: FormatLine) => FmtToken[] | undefined, width: (l: FormatLine) => number) => {
    let chainStart = -1;
    let max = 0;
    const close = (end: number) => {
      for (const l of lines.slice(chainStart, end)) cellOf(l)![0].spacesBefore = max - width(l) + 1;
      chainStart = -1;
      max = 0;
    };
    lines.forEach((l, i) => {
      if (!cellOf(l)) {
        if (chainStart !== -1) close(i);
      } else {
        if (chainStart === -1) chainStart = i;
        max = Math.max(max, width(l));
      }
    });
    if (chainStart !== -1) close(lines.length);
  };
  align((l) => l.assign, (l) => columns(l.lead));
  align((l) => l.comment, (l) => columns(l.lead) + columns(l.assign));
}

const COMPARISON: FmtToken["type"][] = ["EqualOp", "NotEqual", "GreaterThan", "GreaterThanEq", "LessThan", "LessThanEq"];

function spaceAfterToken(subject: FmtToken, before: FmtToken, after: FmtToken): boolean {
  const s = subject.type;
  const a = after.type;
  if (a === "Newline" || a === "Nil") return false;
  if (s === "Ident" && a === "OParen") return false;
  if (s === "Dot" || a === "Dot") return false;
  if (a === "Comma" || a === "Ellipsis") return false;
  if (s === "Comma") return true;
  if (s === "QuotedLit" || s === "StringLit" || s === "OQuote" || s === "OHeredoc" || a === "QuotedLit" || a === "StringLit" || a === "CQuote" || a === "CHeredoc")
    return false;
  if (s === "Ident" && subject.text === "in" && before.type === "Ident") return true;
  if (a === "OBrack" && (s === "Ident" || s === "NumberLit" || bracketChange(subject) < 0)) return false;
  // hclwrite in hcl v2.6.0 (what Packer 1.6.6 ships) has no rule for "!": it writes `! x`.
  if (s === "Minus") {
    const b = before.type;
    if (b === "Nil") return false;
    if (["OParen", "OBrace", "OBrack", "Equal", "Colon", "Comma", "Question"].includes(b)) return false;
    if (["Plus", "Star", "Slash", "Percent", "Minus"].includes(b)) return false;
    if (COMPARISON.includes(b)) return false;
    if (["And", "Or", "Bang"].includes(b)) return false;
    return true;
  }
  if (s === "OBrace" || a === "CBrace") return !(s === "OBrace" && a === "CBrace");
  if ((s === "TemplateInterp" || s === "TemplateControl") && a === "OBrace") return true;
  if (s === "CBrace" && a === "TemplateSeqEnd") return true;
  if (s === "TemplateSeqEnd" && (a === "TemplateInterp" || a === "TemplateControl")) return false;
  if (bracketChange(subject) > 0) return false;
  if (bracketChange(after) < 0) return false;
  return true;
}
