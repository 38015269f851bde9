import { errorMessage } from "../error-message.js";
import { readFileSync } from "node:fs";
import { JsonDocument } from "./json-document.js";
import { TemplateError } from "./errors.js";
import { goKind } from "./decode-messages.js";

/**
 * A `-var-file`: a JSON object of variable name → string value. Errors name the file as the user
 * wrote it (`shownAs`, as Packer 1.6.6 does) and, for bad content, the place in it.
 */
export function readVarFile(path: string, shownAs: string = path): Record<string, string> {
  let text: string;
  try {
    text = new TextDecoder("utf-8").decode(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file or directory" : errorMessage(e);
    throw new TemplateError(`Error reading variables in '${shownAs}': open ${shownAs}: ${reason}`, { file: path });
  }
  let doc: JsonDocument;
  try {
    doc = JsonDocument.parse(text, path);
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    // Packer reads var files with a json.Decoder, which says "unexpected EOF" for a file cut short.
    const reason = e.message.replace(/^Error parsing JSON: /, "").replace(/^unexpected end of JSON input$/, "unexpected EOF");
    throw new TemplateError(`Error reading variables in '${shownAs}': ${reason}`, e);
  }
  const root = doc.root;
  if (root.type !== "object") {
    throw doc.error(
      `Error reading variables in '${shownAs}': json: cannot unmarshal ${goJsonKind(doc.value(root))} into Go value of type map[string]string`,
      root,
      "",
    );
  }
  const out: Record<string, string> = {};
  for (const p of doc.properties(root)) {
    const v = doc.value(p.valueNode);
    if (v === null) {
      out[p.key] = ""; // Go stores the zero value
      continue;
    }
    if (typeof v !== "string") {
      throw doc.error(
        `Error reading variables in '${shownAs}': json: cannot unmarshal ${goJsonKind(v)} into Go value of type string (variable '${p.key}')`,
        p.valueNode,
        p.key,
      );
    }
    out[p.key] = v;
  }
  return out;
}

/** encoding/json's name for a JSON value's kind in "cannot unmarshal X". */
function goJsonKind(v: unknown): string {
  const kind = goKind(v);
  return { slice: "array", map: "object", float64: "number", bool: "bool", string: "string", invalid: "null" }[kind] ?? kind;
}
