import type { ConfigProblem } from "../components/problems.js";
import { formatPosition } from "../template/position.js";

/**
 * The text Packer prints for a component that failed to prepare. Packer decodes in phases and stops
 * at the first failing one: interpolation (one error, alone), then mapstructure type errors
 * (`N error(s) decoding:`), then unknown keys (go-multierror list), then the component's own checks
 * (`N error(s) occurred:`). Kiln collects every problem at once, so pick the first phase that has
 * any, and print that phase the way Packer does.
 */
export function packerConfigErrorText(problems: readonly ConfigProblem[]): string {
  const prefix = (phase: readonly ConfigProblem[]): string => phase[0]?.decodePrefix ?? "";
  const interpolation = problems.filter((p) => /^(invalid|render) '[^']*': /.test(p.message));
  if (interpolation.length > 0) return `${prefix(interpolation)}${interpolation[0].message}`;
  const decoding = problems.filter((p) => /expected type '|unconvertible type|cannot parse '|source data must be|^error parsing '|^error decoding '|expected a map/.test(p.message));
  if (decoding.length > 0) return `${prefix(decoding)}${decoding.length} error(s) decoding:\n\n${decoding.map((p) => `* ${p.message}`).join("\n")}`;
  const unknown = problems.filter((p) => p.message.startsWith("unknown configuration key:") || p.message.startsWith("Deprecated configuration key:"));
  if (unknown.length > 0) {
    const head = unknown.length === 1 ? "1 error occurred:" : `${unknown.length} errors occurred:`;
    return `${prefix(unknown)}${head}\n${unknown.map((p) => `\t* ${p.message}`).join("\n")}\n\n`;
  }
  return `${problems.length} error(s) occurred:\n\n${problems.map((p) => `* ${p.message}`).join("\n")}`;
}

/**
 * Where the problems are, for the lines Kiln adds under Packer's text: `file:line:col (field "x")`,
 * one per distinct place, in the order of the problems.
 */
export function problemLocations(problems: readonly ConfigProblem[]): string[] {
  const lines = problems.filter((p) => p.position).map((p) => `${formatPosition(p.position)}${p.field ? ` (field "${p.field}")` : ""}`);
  return [...new Set(lines)];
}
