import type { HclDiagnostic, HclFile } from "../contract.js";
import { NativeBody } from "./native-body.js";
import { recognizeHcl } from "./native-recognizer.js";
import { SourcePositions } from "./source-positions.js";

/**
 * Only the syntax check of native syntax, without building the tree (no wasm to load): what
 * `kiln fmt` needs. The diagnostics are parseHclFile's, since both come from the recognizer.
 * The returned file's body is empty; it serves formatHclDiagnostics (source lines, block names).
 */
export function checkHclSyntax(name: string, source: string): { file: HclFile; diagnostics: HclDiagnostic[] } {
  const positions = new SourcePositions(name, source);
  const { diagnostics, outline } = recognizeHcl(source, positions);
  const body = new NativeBody(new Map(), [], positions.range(0, source.length));
  body.outline = outline;
  return { file: { name, source, body }, diagnostics };
}
