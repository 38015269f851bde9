/**
 * Test support: run a table of calls against the library. Each case gives the arguments as JSON
 * (or ready-made Values) and either the result, as Packer's console would print it, or the
 * error message (and the faulty argument, when the error is about one).
 */
import type { ExecutionContext } from "ava";
import { HclFunctionError, type HclFunction, type Value } from "../../../../../shared/template/hcl2/contract.js";
import { formatValueForConsole } from "../../../../../shared/template/hcl2/value/index.js";
import { valueFromJson } from "./value-fixtures.js";

export interface CallCase {
  fn: string;
  args: unknown[];
  /** The result as `packer console` prints it. */
  out?: string;
  /** A pattern the printed result must match (for clocks and random values). */
  like?: RegExp;
  /** The error message expected. */
  error?: string | RegExp;
  /** The index of the argument the error is about. */
  argIndex?: number;
}

const isValue = (x: unknown): x is Value => typeof x === "object" && x !== null && "kind" in x && typeof (x as { kind: unknown }).kind === "string" && ["null", "unknown", "list", "set", "map"].includes((x as { kind: string }).kind);

export function runCallTable(t: ExecutionContext, functions: Map<string, HclFunction>, cases: CallCase[]): void {
  for (const c of cases) {
    const label = `${c.fn}(${c.args.map((a) => JSON.stringify(isValue(a) ? formatValueForConsole(a) : a)).join(", ")})`;
    const fn = functions.get(c.fn);
    if (!fn) {
      t.fail(`${label}: no function named ${c.fn}`);
      continue;
    }
    const args = c.args.map((a) => (isValue(a) ? a : valueFromJson(a)));
    if (c.error !== undefined) {
      const e = t.throws(() => fn.impl(args), { instanceOf: HclFunctionError }, label);
      if (!e) continue;
      if (typeof c.error === "string") t.is(e.message, c.error, label);
      else t.regex(e.message, c.error, label);
      t.is(e.argIndex, c.argIndex, `${label}: argument at fault`);
      continue;
    }
    let result: Value;
    try {
      result = fn.impl(args);
    } catch (e) {
      t.fail(`${label}: ${(e as Error).message}`);
      continue;
    }
    const printed = formatValueForConsole(result);
    if (c.like) t.regex(printed, c.like, label);
    else t.is(printed, c.out ?? "", label);
  }
}
