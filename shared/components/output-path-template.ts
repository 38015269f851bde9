import { render, InterpolationError } from "../template/interpolate/index.js";
import type { InterpolationContext } from "../template/interpolate/context.js";

/**
 * Checks that an `output` template rendered later (with per-artifact dot data such as
 * `.BuildName`) at least parses, as Packer's interpolate.Validate does at prepare time. Returns
 * the parse error's text, or undefined when it is fine. Execution errors are left for run time,
 * when the real data is known.
 */
export function outputTemplateParseError(text: string, ctx: InterpolationContext, data: Record<string, string>): string | undefined {
  try {
    render(text, { ...ctx, data: { ...ctx.data, ...data } });
    return undefined;
  } catch (e) {
    if (e instanceof InterpolationError && e.phase === "parse") return e.message;
    return undefined;
  }
}
