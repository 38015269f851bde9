import type { ParseError } from "jsonc-parser";
import type { HclDiagnostic } from "../contract.js";
import { nameSuggestion } from "./name-suggestion.js";
import type { SourcePositions } from "./source-positions.js";

/**
 * jsonc-parser finds the error; this words it as hcl's JSON parser (hcl/json/parser.go, v2.6.0)
 * does for the same spot, reading the text around the error offset.
 */
/** jsonc-parser's ParseErrorCode values (a const enum in its typings; the numbers are its API). */
const Code = {
  InvalidSymbol: 1,
  InvalidNumberFormat: 2,
  PropertyNameExpected: 3,
  ValueExpected: 4,
  ColonExpected: 5,
  CommaExpected: 6,
  CloseBraceExpected: 7,
  CloseBracketExpected: 8,
  EndOfFileExpected: 9,
  UnexpectedEndOfString: 12,
  InvalidUnicode: 14,
  InvalidEscapeCharacter: 15,
  InvalidCharacter: 16,
} as const;

/**
 * The diagnostic, and the offset of the object or array hcl gives up on when the error is in its
 * own structure (hcl then drops it from the tree: it is not named in "in <path>", and when it is
 * the root hcl also says "Root value must be object").
 */
export function jsonSyntaxDiagnostic(
  source: string,
  error: ParseError,
  positions: SourcePositions,
): { diagnostic: HclDiagnostic; brokenContainer?: number } {
  const d = describe(source, error, positions);
  const structural = !["Invalid JSON keyword", "Missing JSON value", "Missing array element value", "Invalid start of value", "Invalid JSON number", "Invalid JSON string", "Extraneous data after value", "Missing value"].includes(d.summary);
  const container = openContainer(source, error.offset);
  if (d.summary === "Missing value" && error.offset >= source.length) return { diagnostic: d, brokenContainer: container?.offset ?? -1 };
  return { diagnostic: d, ...(structural && container ? { brokenContainer: container.offset } : {}) };
}

function describe(source: string, error: ParseError, positions: SourcePositions): HclDiagnostic {
  const at = error.offset;
  const c = source[at];
  const diag = (summary: string, detail: string, start: number, end: number): HclDiagnostic => ({
    severity: "error",
    summary,
    detail,
    subject: positions.range(start, end),
  });
  const tokenEnd = (start: number) => {
    if (start >= source.length) return start;
    if (source[start] === '"') {
      let j = start + 1;
      while (j < source.length && source[j] !== '"') j += source[j] === "\\" ? 2 : 1;
      return Math.min(j + 1, source.length);
    }
    const m = /^[A-Za-z0-9_.+-]+/.exec(source.slice(start));
    return start + (m ? m[0].length : 1);
  };
  const prevIndex = (() => {
    let j = at - 1;
    while (j >= 0 && /\s/.test(source[j])) j--;
    return j;
  })();
  const prev = source[prevIndex];
  const container = openContainer(source, at);
  const valueDetail = "A JSON value must start with a brace, a bracket, a number, a string, or a keyword.";

  switch (error.error) {
    case Code.PropertyNameExpected:
      if (c === "}" && prev === ",")
        return diag("Trailing comma in object", "JSON does not permit a trailing comma after the final property in an object.", prevIndex, prevIndex + 1);
      if (at >= source.length) return diag("Missing value", "The JSON data ends prematurely.", at, at);
      return diag("Invalid object property name", "A JSON object property name must be a string", at, tokenEnd(at));
    case Code.ValueExpected:
      if (at >= source.length) return diag("Missing value", "The JSON data ends prematurely.", at, at);
      if (c === "]" && prev === ",")
        return diag("Trailing comma in array", "JSON does not permit a trailing comma after the final value in an array.", prevIndex, prevIndex + 1);
      if (c === "}") return diag("Missing JSON value", valueDetail, at, at + 1);
      if (c === "]") return diag("Missing array element value", valueDetail, at, at + 1);
      return diag("Invalid start of value", valueDetail, at, tokenEnd(at));
    case Code.ColonExpected:
      if (c === "}" || c === ",") return diag("Missing object value", "A JSON object attribute must have a value, introduced by a colon.", at, at + 1);
      return diag("Missing property value colon", "A colon must appear between an object property's name and its value.", at, tokenEnd(at));
    case Code.CommaExpected:
      if (container?.char === "{" && c === "]") return diag("Mismatched braces", "A JSON object must be closed with a brace, not a bracket.", at, at + 1);
      if (container?.char === "[" && c === "}") return diag("Mismatched brackets", "A JSON array must be closed with a bracket, not a brace.", at, at + 1);
      return diag(
        "Missing attribute seperator comma",
        container?.char === "[" ? "A comma must appear between each value in an array." : "A comma must appear between each property definition in an object.",
        at,
        tokenEnd(at),
      );
    case Code.CloseBraceExpected:
      return diag("Unclosed object", "No closing brace was found for this JSON object.", container?.offset ?? at, (container?.offset ?? at) + 1);
    case Code.CloseBracketExpected:
      // hcl's summary says "object" for arrays too.
      return diag("Unclosed object", "No closing bracket was found for this JSON array.", container?.offset ?? at, (container?.offset ?? at) + 1);
    case Code.InvalidNumberFormat:
      return diag("Invalid JSON number", "There is a syntax error in the given JSON number.", at, tokenEnd(at));
    case Code.InvalidEscapeCharacter:
    case Code.InvalidUnicode:
    case Code.UnexpectedEndOfString:
    case Code.InvalidCharacter:
      return diag("Invalid JSON string", "There is a syntax error in the given JSON string.", at, at + Math.max(1, error.length));
    case Code.EndOfFileExpected:
      return diag("Extraneous data after value", "Extra characters appear after the JSON value.", at, tokenEnd(at));
    case Code.InvalidSymbol: {
      if (c === "=" && container?.char === "{")
        return diag("Missing property value colon", "JSON uses a colon as its name/value delimiter, not an equals sign.", at, at + 1);
      if (!container) return diag("Extraneous data after value", "Extra characters appear after the JSON value.", at, tokenEnd(at));
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(at))?.[0];
      if (word) {
        if (["undefined", "NaN", "Infinity"].includes(word))
          return diag("Invalid JSON keyword", `The JavaScript identifier ${JSON.stringify(word)} cannot be used in JSON.`, at, at + word.length);
        const s = nameSuggestion(word, ["true", "false", "null"]);
        return diag("Invalid JSON keyword", `${JSON.stringify(word)} is not a valid JSON keyword.${s !== undefined ? ` Did you mean ${JSON.stringify(s)}?` : ""}`, at, at + word.length);
      }
      return diag("Invalid start of value", valueDetail, at, at + 1);
    }
    default:
      return diag("Invalid start of value", valueDetail, at, at + Math.max(1, error.length));
  }
}

/** The innermost `{` or `[` still open at `offset` (outside strings), if any. */
function openContainer(source: string, offset: number): { char: "{" | "["; offset: number } | undefined {
  const stack: { char: "{" | "["; offset: number }[] = [];
  for (let i = 0; i < offset && i < source.length; i++) {
    const ch = source[i];
    if (ch === '"') {
      i++;
      while (i < source.length && source[i] !== '"') i += source[i] === "\\" ? 2 : 1;
    } else if (ch === "{" || ch === "[") stack.push({ char: ch, offset: i });
    else if (ch === "}" || ch === "]") stack.pop();
  }
  return stack[stack.length - 1];
}
