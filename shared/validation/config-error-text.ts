import type { ConfigProblem } from "../components/problems.js";
import { formatPosition } from "../template/position.js";
import { mapstructureErrorText } from "../template/decode-messages.js";

/**
 * The text Packer prints for a component that failed to prepare. Packer decodes in phases and stops
 * at the first failing one: interpolation (one error, alone), then mapstructure type errors
 * (`N error(s) decoding:`), then unknown keys (go-multierror list), then the component's own checks
 * (`N error(s) occurred:`). Kiln collects every problem at once, so pick the first phase that has
 * any, and print that phase the way Packer does (followed by the `outer` checks a builder makes
 * after its common Prepare failed, as one more list).
 */
export function packerConfigErrorText(problems: readonly ConfigProblem[]): string {
  const failed = failedPhaseText(problems.filter((p) => p.phase !== "outer"));
  if (failed === undefined) return `${problems.length} error(s) occurred:\n\n${problems.map((p) => `* ${p.message}`).join("\n")}`;
  // A builder's own checks after its common Prepare failed: Packer lists that failure, then them.
  const outer = problems.filter((p) => p.phase === "outer");
  if (outer.length === 0) return failed;
  return `${outer.length + 1} error(s) occurred:\n\n* ${failed}\n${outer.map((p) => `* ${p.message}`).join("\n")}`;
}

/** The text of the first decoding phase that failed, or undefined when decoding succeeded. */
function failedPhaseText(problems: readonly ConfigProblem[]): string | undefined {
  const prefix = (phase: readonly ConfigProblem[]): string => phase[0]?.decodePrefix ?? "";
  const interpolation = problems.filter((p) => /^(invalid|render) '[^']*': /.test(p.message));
  if (interpolation.length > 0) return `${prefix(interpolation)}${interpolation[0].message}`;
  const decoding = problems.filter((p) => /expected type '|unconvertible type|cannot parse '|source data must be|^error parsing '|^error decoding '|expected a map/.test(p.message));
  if (decoding.length > 0) return `${prefix(decoding)}${mapstructureErrorText(decoding.map((p) => p.message))}`;
  // Packer sorts the decoder's unused keys (sort.Strings) before it words them.
  const unknown = problems
    .filter((p) => p.message.startsWith("unknown configuration key:") || p.message.startsWith("Deprecated configuration key:"))
    .sort((a, b) => compareBytes(unusedKeyOf(a.message), unusedKeyOf(b.message)));
  if (unknown.length > 0) {
    // A Prepare that goes on after a failed decode (triton's) lists its own problems in the same go-multierror list.
    const listed = problems.some((p) => p.phase === undefined && !unknown.includes(p)) ? problems : unknown;
    const head = listed.length === 1 ? "1 error occurred:" : `${listed.length} errors occurred:`;
    return `${prefix(unknown)}${head}\n${listed.map((p) => `\t* ${p.message}`).join("\n")}\n\n`;
  }
  return undefined;
}

/** The key an unknown or deprecated key problem names: `unknown configuration key: '"x"'` gives x. */
function unusedKeyOf(message: string): string {
  return /^unknown configuration key: '"(.*)"'$/.exec(message)?.[1] ?? /^Deprecated configuration key: '([^']*)'/.exec(message)?.[1] ?? message;
}

/** Go's string order (bytes; UTF-16 units agree for the ASCII of key names). */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Where the problems are, for the lines Kiln adds under Packer's text: `file:line:col (field "x")`,
 * one per distinct place, in the order of the problems.
 */
export function problemLocations(problems: readonly ConfigProblem[]): string[] {
  const lines = problems.filter((p) => p.position).map((p) => `${formatPosition(p.position)}${p.field ? ` (field "${p.field}")` : ""}`);
  return [...new Set(lines)];
}
