/** `kiln cancel ID`: stop a farm build on its agents (cleanups run there) and drop its queued jobs. */
import { formatFlagHelp, type FlagSpecs } from "../flags.js";
import type { CommandIO } from "../io.js";
import { farmFlagSpecs } from "../farm-client/flag-specs.js";
import { withFarmConnection } from "../farm-client/connect.js";
import { stateName } from "../farm-client/states.js";
import { buildIdArgument } from "../farm-client/build-id-argument.js";

const flagSpecs: FlagSpecs = { ...farmFlagSpecs };

export const help = `Usage: kiln cancel --controller HOST:PORT [options] ID

  Cancels the build ID: agents running its jobs stop them (every cleanup runs) and jobs still
  queued are dropped. Returns once the controller has asked; "kiln logs -f ID" shows the end.

Options:

${formatFlagHelp(flagSpecs)}`;

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const id = buildIdArgument("cancel", argv, flagSpecs, help, io);
  if (!id) return 1;
  return withFarmConnection(id.flags, io, async (conn) => {
    const res = await conn.cancelBuild(id.buildId);
    io.stdout.write(`Cancel requested for build ${id.buildId} (${res.build ? stateName(res.build.state) : "state unknown"}).\n`);
    return 0;
  });
}
