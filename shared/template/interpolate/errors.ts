// The one error class of the interpolation engine. Messages follow Go's text/template shapes
// ("template: root:1: …" for parse errors, "template: root:1:2: executing "root" at <…>: …"
// for execution errors) because users compare them with Packer's output.

export class InterpolationError extends Error {
  constructor(
    message: string,
    readonly phase: "parse" | "exec",
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "InterpolationError";
  }
}
