/**
 * `kiln submit TEMPLATE`: queue a farm build and print its id without waiting for it
 * (`kiln logs -f ID` follows it, `kiln artifacts ID --download DIR` fetches what it made).
 */
import { policyFlagSpecs } from "../build-policy-flags.js";
import { formatFlagHelp, parseCommandFlags, type FlagSpecs } from "../flags.js";
import type { CommandIO } from "../io.js";
import { MachineReadableSink } from "../output/terminal-sink.js";
import { templateFlagSpecs } from "../template-flags.js";
import { farmFlagSpecs, submissionFlagSpecs } from "../farm-client/flag-specs.js";
import { withFarmConnection } from "../farm-client/connect.js";
import { prepareSubmission } from "../farm-client/submission.js";

const flagSpecs: FlagSpecs = {
  ...farmFlagSpecs,
  force: { kind: "bool", help: "Force builds to continue if artifacts exist, deletes existing artifacts." },
  "machine-readable": { kind: "bool", help: "Print the id as a machine-readable line (timestamp,,build-id,ID)." },
  "on-error": { kind: "string", help: "If a build fails do: clean up (default), abort, or run-cleanup-provisioner.", placeholder: "cleanup" },
  ...submissionFlagSpecs,
  ...templateFlagSpecs,
  ...policyFlagSpecs,
  warm: { kind: "bool", help: "Kiln: qemu disk-image and libvirt overlay builds restore the guest saved when sshd answered instead of booting (each agent keeps its own snapshots, in its cache folder)." },
  resume: { kind: "bool", help: "Kiln: reuse the artifacts of earlier farm builds with the same fingerprint instead of running those builds." },
};

export const help = `Usage: kiln submit --controller HOST:PORT [options] TEMPLATE

  Sends the template (and the files its builds use) to a Kiln farm controller, which queues one
  job per build for the agents, and prints the build's id at once without waiting.
  Follow it with "kiln logs -f ID"; fetch its artifacts with "kiln artifacts ID --download DIR".

Options:

${formatFlagHelp(flagSpecs)}`;

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const flags = parseCommandFlags(argv, flagSpecs, io, { name: "submit", help, template: "required" });
  if (!flags) return 1;
  const machine = io.machineReadable || flags.bools["machine-readable"] === true;
  const report = (text: string): void => void io.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
  // stdout carries the build id alone: reports and warnings go to stderr.
  const submission = await prepareSubmission(flags, io.cwd, io.env, { report, say: report, flagError: report });
  if (!submission) return 1;
  if (submission.buildNames.length === 0) {
    io.stderr.write("no build selected (check -only/-except): nothing submitted\n");
    return submission.someRefused ? 1 : 0;
  }
  return withFarmConnection(flags, io, async (conn) => {
    const res = await conn.submitBuild(submission.request);
    for (const w of res.warnings) io.stderr.write(`warning: ${w}\n`);
    const id = res.build?.id ?? "";
    if (machine) new MachineReadableSink(io.stdout).line("", "build-id", id);
    else io.stdout.write(`${id}\n`);
    return submission.someRefused ? 1 : 0;
  });
}
