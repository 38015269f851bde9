/** `kiln builds`: the farm's builds, newest first. */
import { formatFlagHelp, parseCommandFlags, type FlagSpecs } from "../flags.js";
import type { CommandIO } from "../io.js";
import { MachineReadableSink } from "../output/terminal-sink.js";
import { formatTable } from "../output/table.js";
import { farmFlagSpecs } from "../farm-client/flag-specs.js";
import { withFarmConnection } from "../farm-client/connect.js";
import { isFinalState, stateName } from "../farm-client/states.js";

const flagSpecs: FlagSpecs = {
  ...farmFlagSpecs,
  limit: { kind: "string", help: "Show at most this many builds (default 50; 0 for all).", placeholder: "N" },
  before: { kind: "string", help: "Only builds submitted before this build id (the next page; kiln prints the id to pass when more are left).", placeholder: "ID" },
  "machine-readable": { kind: "bool", help: "One machine-readable line per build (timestamp,ID,build,template,state,done,total,submitted)." },
  jobs: {
    kind: "bool",
    help: "One line per job instead: its state, agent, the agent labels it needs, its priority, and what it waits for while queued (machine-readable: timestamp,ID,job,index,name,state,agent,labels,priority,waiting-for).",
  },
  fingerprint: { kind: "bool", help: "One line per job instead: its fingerprint (what -resume compares) and the build it reused, if any (machine-readable: timestamp,ID,job,index,name,state,fingerprint,reused-from)." },
};

export const help = `Usage: kiln builds --controller HOST:PORT [options]

  Lists the builds the farm knows, newest first: id, template, state, jobs done of total, and
  when it was submitted. With -fingerprint, one line per job with its fingerprint and, for jobs
  that \`kiln build -resume\` answered from an earlier build, which one. With -jobs, one line per
  job with where and when it runs: the agent labels it needs and its priority (kiln.json,
  -label, -priority), and while queued what it waits for.

Options:

${formatFlagHelp(flagSpecs)}`;

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const flags = parseCommandFlags(argv, flagSpecs, io, { name: "builds", help, template: "optional" });
  if (!flags) return 1;
  if (flags.rest.length > 0) {
    io.stderr.write(`builds: unexpected argument "${flags.rest[0]}"\n\n${help}\n`);
    return 1;
  }
  const limit = Number(flags.strings.limit ?? "50");
  if (!Number.isInteger(limit) || limit < 0) {
    io.stderr.write(`-limit must be a whole number >= 0 (got "${flags.strings.limit}")\n`);
    return 1;
  }
  return withFarmConnection(flags, io, async (conn) => {
    const { builds, nextBefore } = await conn.listBuilds(limit, flags.strings.before ?? "");
    if (nextBefore && !(io.machineReadable || flags.bools["machine-readable"])) io.stderr.write(`more builds: kiln builds -before=${nextBefore}\n`);
    if (flags.bools.jobs) {
      const jobRows = builds.flatMap((b) =>
        b.jobs.map((j) => [b.id, String(j.index), j.name, stateName(j.state), j.agent || "-", j.labels.join(",") || "-", j.priority || "normal", j.waitingFor || "-"]),
      );
      if (io.machineReadable || flags.bools["machine-readable"]) {
        const m = new MachineReadableSink(io.stdout);
        for (const [id, ...rest] of jobRows) m.line(id, "job", ...rest);
      } else if (jobRows.length === 0) io.stdout.write("No builds.\n");
      else io.stdout.write(formatTable(["ID", "JOB", "NAME", "STATE", "AGENT", "LABELS", "PRIORITY", "WAITING FOR"], jobRows));
      return 0;
    }
    if (flags.bools.fingerprint) {
      const jobRows = builds.flatMap((b) => b.jobs.map((j) => [b.id, String(j.index), j.name, stateName(j.state), j.fingerprint || "-", j.reusedFrom || "-"]));
      if (io.machineReadable || flags.bools["machine-readable"]) {
        const m = new MachineReadableSink(io.stdout);
        for (const [id, ...rest] of jobRows) m.line(id, "job", ...rest);
      } else if (jobRows.length === 0) io.stdout.write("No builds.\n");
      else io.stdout.write(formatTable(["ID", "JOB", "NAME", "STATE", "FINGERPRINT", "REUSED FROM"], jobRows));
      return 0;
    }
    const rows = builds.map((b) => [
      b.id,
      b.template,
      stateName(b.state),
      `${b.jobs.filter((j) => isFinalState(j.state)).length}/${b.jobs.length}`,
      b.submittedAt,
    ]);
    if (io.machineReadable || flags.bools["machine-readable"]) {
      const m = new MachineReadableSink(io.stdout);
      for (const [id, ...rest] of rows) m.line(id, "build", ...rest);
    } else if (rows.length === 0) io.stdout.write("No builds.\n");
    else io.stdout.write(formatTable(["ID", "TEMPLATE", "STATE", "JOBS", "SUBMITTED"], rows));
    return 0;
  });
}
