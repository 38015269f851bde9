/**
 * `kiln` entry point. Commands load on demand so that `kiln build` of a small template starts as
 * fast as `packer build`.
 */
import type { Command, CommandIO } from "./io.js";

export const KILN_VERSION = "0.1.0";

interface CommandEntry {
  synopsis: string;
  load: () => Promise<{ run: Command; help?: string }>;
}

const commands: Record<string, CommandEntry> = {
  agent: { synopsis: "take farm jobs on this host", load: () => import("./commands/agent.js") },
  agents: { synopsis: "list a farm's agents and how busy they are", load: () => import("./commands/agents.js") },
  artifacts: { synopsis: "list or download a farm build's artifacts", load: () => import("./commands/artifacts.js") },
  build: { synopsis: "build image(s) from template", load: () => import("./commands/build.js") },
  builds: { synopsis: "list a farm's builds", load: () => import("./commands/builds.js") },
  cancel: { synopsis: "cancel a farm build", load: () => import("./commands/cancel.js") },
  console: { synopsis: "creates a console for testing variable interpolation", load: () => import("./commands/console.js") },
  controller: { synopsis: "serve a farm's API (builds go to agents through NATS)", load: () => import("./commands/controller.js") },
  fmt: { synopsis: "Rewrites HCL2 config files to canonical format", load: () => import("./commands/fmt.js") },
  fix: { synopsis: "fixes templates from old versions of packer", load: () => import("./commands/fix.js") },
  hcl2_upgrade: { synopsis: "transform a JSON template into an HCL2 configuration", load: () => import("./commands/hcl2-upgrade.js") },
  init: { synopsis: "check the plugins a configuration requires (Kiln's are built in)", load: () => import("./commands/init.js") },
  inspect: { synopsis: "see components of a template", load: () => import("./commands/inspect.js") },
  logs: { synopsis: "show (and follow) a farm build's output", load: () => import("./commands/logs.js") },
  submit: { synopsis: "queue a build on a farm and print its id", load: () => import("./commands/submit.js") },
  validate: { synopsis: "check that a template is valid", load: () => import("./commands/validate.js") },
  version: { synopsis: "Prints the Kiln version", load: async () => ({ run: version, help: "Prints the Kiln version." }) },
};

/** The help text of mitchellh/cli as packer 1.6.6 prints it, Kiln's farm commands listed with Packer's. */
function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length)) + 4;
  const list = Object.entries(commands).map(([name, c]) => `    ${name.padEnd(width)}${c.synopsis}`).join("\n");
  return `Usage: kiln [--version] [--help] <command> [<args>]

Available commands are:
${list}
`;
}

/** `kiln version` as `packer version` prints it (machine-readable keys and Packer's "prelease" typo included). */
async function version(_argv: string[], io: CommandIO): Promise<number> {
  if (io.machineReadable) {
    const ts = Math.floor(Date.now() / 1000);
    io.stdout.write(`${ts},,version,${KILN_VERSION}\n${ts},,version-prelease,\n${ts},,version-commit,\n${ts},,ui,say,Kiln v${KILN_VERSION}\n`);
  } else io.stdout.write(`Kiln v${KILN_VERSION}\n`);
  return 0;
}

export async function main(argv: string[], io: CommandIO = processIO()): Promise<number> {
  const args = [...argv];
  // Packer takes the first "-machine-readable" out wherever it is (`packer validate t.json
  // -machine-readable` works although flags stop at the template); Kiln also takes leading
  // "--machine-readable".
  const at = args.indexOf("-machine-readable");
  if (at >= 0) {
    io.machineReadable = true;
    args.splice(at, 1);
  }
  while (args[0] === "--machine-readable") {
    io.machineReadable = true;
    args.shift();
  }
  const [name, ...rest] = args;
  // As packer 1.6.6 (mitchellh/cli): asked-for help exits 0; no command, `help` (not a command
  // there) or an unknown command print the same help, to stdout, and exit 127.
  if (name === "-h" || name === "-help" || name === "--help") {
    io.stdout.write(usage() + "\n");
    return 0;
  }
  // `--version` prints the bare number (what scripts parse); `version` the command's line.
  if (name === "-v" || name === "-version" || name === "--version") {
    io.stdout.write(`${KILN_VERSION}\n`);
    return 0;
  }
  const entry = name !== undefined && Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
  if (!entry) {
    io.stdout.write(usage() + "\n");
    return 127;
  }
  const mod = await entry.load();
  if (rest.some((a) => a === "-h" || a === "-help" || a === "--help")) {
    io.stdout.write((mod.help ?? `Usage: kiln ${name} [options]`) + "\n");
    return 0;
  }
  return mod.run(rest, io);
}

function processIO(): CommandIO {
  // `kiln build … | head`: the reader went away. Keep going without output, so running builds
  // still finish and clean up, instead of dying on an unhandled EPIPE.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE") throw e;
    });
  }
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, cwd: process.cwd(), env: process.env, machineReadable: false };
}
