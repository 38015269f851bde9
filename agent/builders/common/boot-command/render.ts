import { render, type InterpolationContext } from "../../../../shared/template/interpolate/index.js";
import { BootCommandError } from "../../../../shared/components/vm-config/boot-command/parse.js";

/** The dot data a boot_command sees. */
export interface BootCommandData {
  HTTPIP: string;
  HTTPPort: number | string;
  Name: string;
  [extra: string]: unknown;
}

/**
 * Renders each boot_command entry with `{{ .HTTPIP }}`, `{{ .HTTPPort }}`, `{{ .Name }}` before
 * parsing, as Packer does, so a rendered value can itself contain key syntax.
 */
export function renderBootCommands(commands: readonly string[], ctx: InterpolationContext, data: BootCommandData): string[] {
  return commands.map((command, index) => {
    try {
      return render(command, { ...ctx, data: { ...ctx.data, ...data } });
    } catch (e) {
      throw new BootCommandError(`boot_command[${index}]: ${(e as Error).message}`);
    }
  });
}
