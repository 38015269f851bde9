/** `kiln agents`: the agents present in the farm, what they can run and how busy they are. */
import { formatFlagHelp, parseCommandFlags, type FlagSpecs } from "../flags.js";
import type { CommandIO } from "../io.js";
import { MachineReadableSink } from "../output/terminal-sink.js";
import { formatTable } from "../output/table.js";
import { farmFlagSpecs } from "../farm-client/flag-specs.js";
import { withFarmConnection } from "../farm-client/connect.js";

const flagSpecs: FlagSpecs = {
  ...farmFlagSpecs,
  "machine-readable": { kind: "bool", help: "One machine-readable line per agent (timestamp,NAME,agent,host,busy,slots,builders,labels,last-seen)." },
};

export const help = `Usage: kiln agents --controller HOST:PORT [options]

  Lists the agents seen recently: name, host, slots busy/total, the builder types each takes,
  its labels, and when it last reported.

Options:

${formatFlagHelp(flagSpecs)}`;

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const flags = parseCommandFlags(argv, flagSpecs, io, { name: "agents", help, template: "optional" });
  if (!flags) return 1;
  if (flags.rest.length > 0) {
    io.stderr.write(`agents: unexpected argument "${flags.rest[0]}"\n\n${help}\n`);
    return 1;
  }
  return withFarmConnection(flags, io, async (conn) => {
    const { agents } = await conn.listAgents();
    const sorted = [...agents].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // As jobs name them (kiln.json "labels", -label): a bare label has no "=".
    const labels = (l: Record<string, string>): string => Object.entries(l).sort().map(([k, v]) => (v === "" ? k : `${k}=${v}`)).join(",");
    if (io.machineReadable || flags.bools["machine-readable"]) {
      const m = new MachineReadableSink(io.stdout);
      for (const a of sorted) m.line(a.name, "agent", a.host, String(a.busy), String(a.slots), a.builderTypes.join(" "), labels(a.labels), a.lastSeen);
    } else if (sorted.length === 0) io.stdout.write("No agents are present (start one with `kiln agent --nats URL`).\n");
    else {
      const rows = sorted.map((a) => [a.name, a.host, `${a.busy}/${a.slots}`, a.builderTypes.join(",") || "-", labels(a.labels) || "-", a.lastSeen]);
      io.stdout.write(formatTable(["NAME", "HOST", "SLOTS", "BUILDERS", "LABELS", "LAST SEEN"], rows));
    }
    return 0;
  });
}
