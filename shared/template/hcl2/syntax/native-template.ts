import type { Expression, HclDiagnostic, TemplatePart } from "../contract.js";
import type { SourcePositions } from "./source-positions.js";
import { rangeBetween } from "./source-positions.js";

/**
 * Templates as hcl builds them: the template is first flattened to a token list (literal runs,
 * interpolations, control directives), strip markers and the flush-heredoc rule are applied to
 * that list, then the `%{if}`/`%{for}` nesting is rebuilt into TemplateParts.
 */
export type TemplateToken =
  | { kind: "literal"; text: string; start: number; end: number }
  | { kind: "interp"; expr: Expression; stripLeft: boolean; stripRight: boolean; start: number; end: number }
  | {
      kind: "if" | "else" | "endif" | "endfor";
      condition?: Expression;
      stripLeft: boolean;
      stripRight: boolean;
      start: number;
      end: number;
    }
  | {
      kind: "for";
      keyVar?: string;
      valueVar: string;
      collection: Expression;
      stripLeft: boolean;
      stripRight: boolean;
      start: number;
      end: number;
    };

/**
 * Decodes a quoted string's literal run as hcl's ParseStringLiteralToken does: HCL escapes,
 * `$${` and `%%{`; bad escapes become hcl's "Invalid escape sequence" diagnostics.
 */
export function decodeQuotedLiteral(
  raw: string,
  start: number,
  positions: SourcePositions,
  diagnostics: HclDiagnostic[],
): string {
  let out = "";
  // hcl keeps the text of a bad escape as it was written.
  const bad = (detail: string, from: number, to: number) => {
    diagnostics.push({ severity: "error", summary: "Invalid escape sequence", detail, subject: positions.range(start + from, start + to) });
    out += raw.slice(from, to);
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === "\\") {
      const n = raw[i + 1];
      const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };
      if (n === undefined) {
        bad("Backslash must be followed by an escape sequence selector character.", i, i + 1);
        continue;
      }
      if (Object.hasOwn(simple, n)) {
        out += simple[n];
        i++;
        continue;
      }
      if (n === "u" || n === "U") {
        // hcl's scanner takes up to 4 (or 8) hex digits; fewer is an error.
        const want = n === "u" ? 4 : 8;
        let j = i + 2;
        while (j < raw.length && j < i + 2 + want && /[0-9a-fA-F]/.test(raw[j])) j++;
        if (j - (i + 2) !== want) {
          bad(`The \\${n} escape sequence must be followed by ${n === "u" ? "four" : "eight"} hexadecimal digits.`, i, j);
          i = j - 1;
          continue;
        }
        const cp = parseInt(raw.slice(i + 2, j), 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) bad(`Cannot encode character U+${cp.toString(16).padStart(4, "0")} in UTF-8.`, i, j);
        else out += String.fromCodePoint(cp);
        i = j - 1;
        continue;
      }
      bad(`The symbol ${JSON.stringify(n)} is not a valid escape sequence selector.`, i, i + 2);
      out = out.slice(0, -2) + n; // hcl keeps the selector, not the backslash
      i++;
      continue;
    }
    out += c;
    if ((c === "$" || c === "%") && raw[i + 1] === c && raw[i + 2] === "{") {
      out += "{";
      i += 2;
    }
  }
  return out;
}

/** Heredocs have no backslash escapes; only `$${` and `%%{` are collapsed. */
export function decodeHeredocLiteral(raw: string): string {
  return raw.replace(/([$%])\1\{/g, "$1{");
}

/** Applies strip markers: `~` trims the whitespace of the literal on its side. */
function applyStripMarkers(tokens: TemplateToken[]): void {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === "literal") continue;
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    if (t.stripLeft && prev?.kind === "literal") prev.text = prev.text.replace(/\s+$/u, "");
    if (t.stripRight && next?.kind === "literal") next.text = next.text.replace(/^\s+/u, "");
  }
}

/**
 * The flush heredoc rule (`<<-`): the smallest leading-space count over lines (lines that are
 * only whitespace do not count) is removed from every line. Literal tokens are one per line here.
 */
function flushHeredoc(tokens: TemplateToken[]): void {
  let min = Number.MAX_SAFE_INTEGER;
  let newline = true;
  const adjust: Extract<TemplateToken, { kind: "literal" }>[] = [];
  for (const t of tokens) {
    if (newline) {
      newline = false;
      let spaces: number;
      if (t.kind === "literal") {
        const trimmed = t.text.replace(/^\s+/u, "");
        if (trimmed.length === 0 && t.text.endsWith("\n")) spaces = Number.MAX_SAFE_INTEGER;
        else {
          spaces = [...t.text.slice(0, t.text.length - trimmed.length)].length;
          adjust.push(t);
        }
      } else spaces = 0;
      if (spaces < min) min = spaces;
    }
    if (t.kind === "literal" && t.text.endsWith("\n")) newline = true;
  }
  if (min === Number.MAX_SAFE_INTEGER) return;
  for (const t of adjust) {
    const chars = [...t.text];
    const cut = chars.slice(0, min).join("");
    t.text = chars.slice(min).join("");
    t.start += cut.length;
  }
}

export interface BuildTemplateInput {
  tokens: TemplateToken[];
  flush: boolean;
  positions: SourcePositions;
}

export function buildTemplateParts(input: BuildTemplateInput): TemplatePart[] {
  const { tokens, positions } = input;
  applyStripMarkers(tokens);
  if (input.flush) flushHeredoc(tokens);
  let i = 0;

  const parseSeq = (stop: (k: TemplateToken["kind"]) => boolean): TemplatePart[] => {
    const parts: TemplatePart[] = [];
    while (i < tokens.length && !stop(tokens[i].kind)) {
      const t = tokens[i];
      switch (t.kind) {
        case "literal": {
          i++;
          if (t.text === "") break;
          const range = positions.range(t.start, t.end);
          const last = parts[parts.length - 1];
          if (last?.kind === "literal") {
            last.text += t.text;
            last.range = rangeBetween(last.range, range);
          } else parts.push({ kind: "literal", text: t.text, range });
          break;
        }
        case "interp":
          i++;
          parts.push({ kind: "interpolation", expr: t.expr, range: positions.range(t.start, t.end) });
          break;
        case "if": {
          i++;
          const then = parseSeq((k) => k === "else" || k === "endif" || k === "endfor");
          let otherwise: TemplatePart[] | undefined;
          if (tokens[i]?.kind === "else") {
            i++;
            otherwise = parseSeq((k) => k === "endif" || k === "endfor" || k === "else");
          }
          const end = tokens[i];
          // Unbalanced directives never get here: the recognizer reports them and
          // tree-sitter's grammar rejects them.
          if (end?.kind === "endif") i++;
          parts.push({
            kind: "if",
            condition: t.condition!,
            then,
            ...(otherwise ? { else: otherwise } : {}),
            range: positions.range(t.start, end?.kind === "endif" ? end.end : t.end),
          });
          break;
        }
        case "for": {
          i++;
          const body = parseSeq((k) => k === "endfor" || k === "endif" || k === "else");
          const end = tokens[i];
          if (end?.kind === "endfor") i++;
          parts.push({
            kind: "for",
            ...(t.keyVar !== undefined ? { keyVar: t.keyVar } : {}),
            valueVar: t.valueVar,
            collection: t.collection,
            body,
            range: positions.range(t.start, end?.kind === "endfor" ? end.end : t.end),
          });
          break;
        }
        default:
          i++; // a stray else/endif/endfor (see above)
      }
    }
    return parts;
  };
  return parseSeq(() => false);
}

