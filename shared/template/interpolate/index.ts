// Public face of the interpolation engine (Go text/template with Packer's functions).
// PLACEHOLDER until the engine lands in this folder: see engine.ts.
import type { InterpolationContext } from "./context.js";
export type { InterpolationContext } from "./context.js";

export class InterpolationError extends Error {
  constructor(message: string, readonly phase: "parse" | "exec") {
    super(message);
    this.name = "InterpolationError";
  }
}

export function render(text: string, _ctx: InterpolationContext): string {
  return text;
}
