/**
 * `kiln logs ID [-f]`: a farm build's output from its start, shown as `kiln build` shows it.
 * With -f it keeps following until the build ends, and rides out a controller restart by
 * resuming after the last line it showed.
 */
import { formatFlagHelp, type FlagSpecs } from "../flags.js";
import type { CommandIO } from "../io.js";
import { MachineReadableSink, TerminalSink } from "../output/terminal-sink.js";
import { farmFlagSpecs } from "../farm-client/flag-specs.js";
import { withFarmConnection } from "../farm-client/connect.js";
import { buildIdArgument } from "../farm-client/build-id-argument.js";
import { BuildOutputRenderer } from "../farm-client/render.js";
import { watchBuildOutput } from "../farm-client/watch.js";

const flagSpecs: FlagSpecs = {
  ...farmFlagSpecs,
  f: { kind: "bool", help: "Follow: keep showing output until the build ends." },
  follow: { kind: "bool", help: "Same as -f." },
  color: { kind: "bool", help: "Disable color output with -color=false (also NO_COLOR)." },
  "machine-readable": { kind: "bool", help: "Produce machine-readable output (timestamp,target,type,data)." },
  "timestamp-ui": { kind: "bool", help: "Prefix each UI output line with an RFC3339 timestamp." },
};

export const help = `Usage: kiln logs --controller HOST:PORT [options] ID [-f]

  Shows the output of farm build ID from its start, as "kiln build" shows it. With -f, keeps
  following it until every job has ended (reconnecting if the controller restarts).

Options:

${formatFlagHelp(flagSpecs)}`;

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const parsed = buildIdArgument("logs", argv, flagSpecs, help, io);
  if (!parsed) return 1;
  const { flags, buildId } = parsed;
  const machine = io.machineReadable || flags.bools["machine-readable"] === true;
  const color = flags.bools.color !== false && !io.env.PACKER_NO_COLOR && !io.env.NO_COLOR && !machine;
  const terminal = new TerminalSink({ out: io.stdout, color, timestamps: flags.bools["timestamp-ui"] === true });
  const out = { terminal, machine: machine ? new MachineReadableSink(io.stdout) : undefined };
  const notice = (text: string): void => void io.stderr.write(`kiln: ${text}\n`);
  return withFarmConnection(flags, io, async (conn) => {
    const build = await conn.getBuild(buildId);
    terminal.assignColours([...build.jobs].sort((a, b) => a.index - b.index).map((j) => j.name));
    const renderer = new BuildOutputRenderer(out, notice);
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once("SIGINT", onSignal);
    try {
      await watchBuildOutput(conn, {
        buildId,
        follow: flags.bools.f === true || flags.bools.follow === true,
        onItem: (item) => renderer.show(item),
        onReconnecting: (why) => notice(`lost the controller (${why}); reconnecting...`),
        signal: stop.signal,
      });
    } finally {
      process.off("SIGINT", onSignal);
    }
    return 0;
  });
}
