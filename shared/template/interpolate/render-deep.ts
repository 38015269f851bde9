// Rendering of every string inside a configuration value (Packer's RenderMap and
// RenderInterface): the top-level keys stay as written, nested map keys are rendered too.
import type { InterpolationContext } from "./context.js";

type Render = (text: string, ctx: InterpolationContext) => string;

export interface RenderDeepOptions {
  /** Only these top-level keys are rendered (matched case-insensitively); the rest are kept. */
  include?: readonly string[];
}

function renderNested(value: unknown, ctx: InterpolationContext, render: Render): unknown {
  if (typeof value === "string") return render(value, ctx);
  if (Array.isArray(value)) return value.map((item) => renderNested(item, ctx, render));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [render(k, ctx), renderNested(v, ctx, render)]),
    );
  }
  return value;
}

export function renderDeepWith(
  render: Render,
  value: Record<string, unknown>,
  ctx: InterpolationContext,
  options: RenderDeepOptions = {},
): Record<string, unknown> {
  const include = options.include?.map((k) => k.toLowerCase());
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => {
      const rendered = include && !include.includes(key.toLowerCase()) ? v : renderNested(v, ctx, render);
      return [key, rendered];
    }),
  );
}
