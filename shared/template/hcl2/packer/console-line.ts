/**
 * One line of `packer console` in HCL2 mode (PackerConfig.EvaluateExpression): `exit`, `help`,
 * `variables`, or an expression parsed as `<console-input>` and printed as PrintableCtyValue;
 * sensitive values print as `<sensitive>`.
 */
import type { HclDiagnostic } from "../contract.js";
import { evaluate } from "../eval/index.js";
import { parseHclExpression } from "../syntax/index.js";
import { formatValueForConsole } from "../value/index.js";
import { evalContext, sensitiveStrings, type PackerHclConfig } from "./packer-config.js";
import { maskSecrets, variablesText } from "./inspect-text.js";

export const CONSOLE_HELP = `Packer console HCL2 Mode.
The Packer console allows you to experiment with Packer interpolations.
You may access variables and functions in the Packer config you called the
console with.

Type in the interpolation to test and hit <enter> to see the result.

"upper(var.foo.id)" would evaluate to the ID of "foo" and uppercase is, if it
exists in your config file.

"variables" will dump all available variables and their values.

To exit the console, type "exit" and hit <enter>, or use Control-C.

/!\\ It is not possible to use go templating interpolation like "{{timestamp}}"
with in HCL2 mode.`;

export function evaluateConsoleLine(config: PackerHclConfig, line: string): { out: string; exit: boolean; diagnostics: HclDiagnostic[] } {
  if (line === "") return { out: "", exit: false, diagnostics: [] };
  if (line === "exit") return { out: "", exit: true, diagnostics: [] };
  if (line === "help") return { out: CONSOLE_HELP, exit: false, diagnostics: [] };
  if (line === "variables") return { out: maskSecrets(variablesText(config), sensitiveStrings(config)), exit: false, diagnostics: [] };
  const { expr, diagnostics } = parseHclExpression("<console-input>", line);
  if (!expr || diagnostics.some((d) => d.severity === "error")) return { out: "", exit: false, diagnostics };
  const { value, diagnostics: d } = evaluate(expr, evalContext(config));
  if (d.some((x) => x.severity === "error")) return { out: "", exit: false, diagnostics: [...diagnostics, ...d] };
  return { out: maskSecrets(formatValueForConsole(value), sensitiveStrings(config)), exit: false, diagnostics: [...diagnostics, ...d] };
}
