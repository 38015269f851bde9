/**
 * The argument parsing of the per-build commands (`logs ID`, `artifacts ID`, `cancel ID`): Go
 * style flags, one build id, and flags after the id too (`kiln logs ID -f` is how people type it).
 */
import { FlagError, parseFlags, type FlagSpecs, type ParsedFlags } from "../flags.js";
import type { CommandIO } from "../io.js";

export function buildIdArgument(command: string, argv: readonly string[], specs: FlagSpecs, helpText: string, io: CommandIO): { flags: ParsedFlags; buildId: string } | undefined {
  let flags: ParsedFlags;
  try {
    flags = parseFlags(argv, specs, io.env);
    if (flags.rest.length > 1) {
      const after = parseFlags(flags.rest.slice(1), specs, {});
      flags = {
        bools: { ...flags.bools, ...after.bools },
        strings: { ...flags.strings, ...after.strings },
        lists: { ...flags.lists, ...after.lists },
        order: [...flags.order, ...after.order],
        rest: [flags.rest[0], ...after.rest],
      };
    }
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    io.stderr.write(`${e.message}\n\n${helpText}\n`);
    return undefined;
  }
  if (flags.rest.length !== 1 || flags.rest[0] === "") {
    io.stderr.write(`${command}: expected one argument, the build id (see \`kiln builds\`)\n\n${helpText}\n`);
    return undefined;
  }
  return { flags, buildId: flags.rest[0] };
}
