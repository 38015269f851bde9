/**
 * `kiln agent --nats URL [--slots N] [--label gpu --label site=eu …] [--work-dir DIR] [--name NAME] [--builders a,b]
 * [--nats-user U --nats-password P | --nats-creds FILE] [--ack-wait 30s]`: probe this host, print
 * what it can run, then take farm jobs until SIGINT/SIGTERM (running jobs are aborted with their
 * cleanups and handed back to the queue).
 */
import { errorMessage } from "../../shared/error-message.js";
import { hostname } from "node:os";
import { agentMetrics } from "../../agent/farm/metrics.js";
import { parseByteSize } from "../../shared/bundle/index.js";
import { parseGoDuration } from "../../shared/template/duration.js";
import {
  builderTypesFor,
  BuilderFilterError,
  createOperatorLog,
  DEFAULT_AGENT_WORK_DIR,
  probeHost,
  startAgent,
  type AgentOptions,
  type LogFormat,
} from "../../agent/farm/index.js";
import { commaList, FlagError, formatFlagHelp, parseFlags, type FlagSpecs, type ParsedFlags } from "../flags.js";
import type { Command } from "../io.js";
import { hasNatsCredentials, isLoopbackNatsUrl, natsFlagSpecs, readNatsFlags } from "../nats-flags.js";
import { untilStopSignal } from "../stop-signal.js";
import { KILN_VERSION } from "../main.js";
import { BuildPolicyError, labelOf } from "../../shared/plan/build-policy/index.js";

const flagSpecs: FlagSpecs = {
  ...natsFlagSpecs,
  slots: { kind: "string", help: "Jobs this agent runs at once (default 1).", env: "KILN_AGENT_SLOTS", placeholder: "N" },
  label: {
    kind: "list",
    help: "A label of this agent (a name, or name=value); repeat for several. Jobs that need labels (kiln.json \"labels\", kiln build -label) go only to agents that have all of them; `kiln agents` shows them.",
    placeholder: "LABEL",
  },
  labels: { kind: "string", help: "Labels separated by commas, added to those of --label (for the environment or a unit file).", env: "KILN_AGENT_LABELS", placeholder: "a,k=v,..." },
  "docker-host": { kind: "string", help: "Docker Engine API the docker builder uses (default: DOCKER_HOST, else unix:///var/run/docker.sock).", env: "DOCKER_HOST", placeholder: "unix:///PATH|tcp://HOST:PORT" },
  "libvirt-uri": { kind: "string", help: "libvirt the libvirt builder's probe and leftover reaper use (default: KILN_LIBVIRT_URI, else qemu:///system).", env: "KILN_LIBVIRT_URI", placeholder: "URI" },
  "metrics-listen": { kind: "string", help: "Serve this agent's Prometheus metrics (slots, jobs run, host load) at http://HOST:PORT/metrics (no token: bind it where only the scraper reaches).", env: "KILN_AGENT_METRICS_LISTEN", placeholder: "HOST:PORT" },
  "work-dir": { kind: "string", help: `Folder for job files (default ${DEFAULT_AGENT_WORK_DIR}).`, env: "KILN_AGENT_WORK_DIR", placeholder: "DIR" },
  name: { kind: "string", help: "Agent name; keep it stable so a restart reaps what a crash left (default: the name in a kiln-agent-NAME NATS user, else HOSTNAME-PID).", env: "KILN_AGENT_NAME", placeholder: "NAME" },
  builders: { kind: "string", help: "Take only these builder types (default: every type this host can run).", env: "KILN_AGENT_BUILDERS", placeholder: "a,b" },
  "ack-wait": { kind: "string", help: "A job whose agent goes silent this long is redelivered, for job consumers this agent creates; the controller's setting rules existing ones (default 30s).", env: "KILN_ACK_WAIT", placeholder: "30s" },
  "max-deliver": { kind: "string", help: "Deliveries of a job before it fails, for job consumers this agent creates (default 3).", env: "KILN_MAX_DELIVER", placeholder: "N" },
  "max-bundle-size": { kind: "string", help: "Refuse template bundles bigger than this (default 1GiB).", env: "KILN_MAX_BUNDLE_SIZE", placeholder: "SIZE" },
  "log-format": { kind: "string", help: "Operator log on stderr: text or json (default text).", env: "KILN_LOG_FORMAT", placeholder: "text|json" },
};

export const help = `Usage: kiln agent --nats URL [options]

  Runs farm jobs on this host. Each builder plugin probes the host for
  what it needs (qemu: qemu-system-*, qemu-img, KVM; docker: a Docker
  Engine socket); the agent announces itself and takes jobs only for
  builder types it can run, at most --slots at a time.

  On SIGINT or SIGTERM it stops taking jobs, cancels running ones (their
  cleanups run) and hands them back to the queue for another agent.

  Without NATS credentials it only connects to a loopback NATS server.

Options:

${formatFlagHelp(flagSpecs)}`;

export const run: Command = async (argv, io) => {
  let flags: ParsedFlags;
  let options: AgentOptions;
  let logFormat: LogFormat;
  try {
    flags = parseFlags(argv, flagSpecs, io.env);
    if (flags.rest.length > 0) throw new FlagError(`agent: unexpected argument "${flags.rest[0]}"`);
    logFormat = readLogFormat(flags.strings["log-format"]);
    options = readOptions(flags);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    io.stderr.write(`${e.message}\n\n${help}\n`);
    return 1;
  }
  const log = createOperatorLog(io.stderr, logFormat, "agent");
  if (!hasNatsCredentials(options.nats) && !isLoopbackNatsUrl(options.nats.url)) {
    io.stderr.write(
      `agent: no NATS credentials given, so the agent only connects to a NATS server on loopback; ${options.nats.url} is not. ` +
        "Set --nats-user/--nats-password (KILN_NATS_USER/KILN_NATS_PASSWORD) or --nats-creds (KILN_NATS_CREDS).\n",
    );
    return 1;
  }
  if (!hasNatsCredentials(options.nats)) log.warn("no NATS credentials configured: connecting to a loopback NATS server only");

  // The probe and the docker builder both read DOCKER_HOST: --docker-host sets it for this process.
  if (flags.strings["docker-host"]) process.env.DOCKER_HOST = io.env.DOCKER_HOST = flags.strings["docker-host"];
  // Likewise for libvirt: the probe (which URI answers) and the reaper (where dead jobs' domains are).
  if (flags.strings["libvirt-uri"]) process.env.KILN_LIBVIRT_URI = io.env.KILN_LIBVIRT_URI = flags.strings["libvirt-uri"];
  const probe = await probeHost({ env: io.env });
  let choice;
  try {
    choice = builderTypesFor(probe.capabilities, options.builders);
  } catch (e) {
    if (!(e instanceof BuilderFilterError)) throw e;
    io.stderr.write(`${e.message}\n`);
    return 1;
  }
  io.stdout.write(`Host ${hostname()} (${probe.arch}) can offer: ${probe.capabilities.join(", ")}\n`);
  for (const f of probe.findings) io.stdout.write(`  ${f}\n`);
  io.stdout.write(`Builder types this agent takes: ${choice.types.join(", ") || "(none)"}\n`);
  for (const s of choice.skipped) io.stdout.write(`  not ${s.type}: ${s.why}\n`);
  if (choice.types.length === 0) {
    io.stderr.write("agent: this host can run none of Kiln's builder types; nothing to do.\n");
    return 1;
  }

  const metricsListen = flags.strings["metrics-listen"];
  const listen = metricsListen === undefined ? undefined : /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(metricsListen.trim());
  if (metricsListen !== undefined && !listen) {
    io.stderr.write(`agent: --metrics-listen "${metricsListen}" is not HOST:PORT (for example 127.0.0.1:9464)\n`);
    return 1;
  }
  const metrics = listen ? agentMetrics() : undefined;
  let agent;
  try {
    agent = await startAgent({ ...options, probe, log, version: KILN_VERSION, onJobDone: metrics ? (r) => metrics.jobDone(r) : undefined });
  } catch (e) {
    io.stderr.write(`agent: ${errorMessage(e)}\n`);
    return 1;
  }
  io.stdout.write(`Agent ${agent.name} is taking jobs (${options.slots ?? 1} slot(s), work dir ${agent.workDir}).\n`);
  let served: { address: string; stop(): Promise<void> } | undefined;
  if (metrics && listen) {
    try {
      served = await metrics.serve({ host: listen[1] ?? listen[2] ?? "127.0.0.1", port: Number(listen[3]) }, agent);
      io.stdout.write(`Metrics at http://${served.address}/metrics\n`);
    } catch (e) {
      io.stderr.write(`agent: cannot serve metrics on ${metricsListen}: ${errorMessage(e)}\n`);
      await agent.stop();
      return 1;
    }
  }

  await untilStopSignal((signal) => log.info(`received ${signal}: handing back running jobs and stopping`));
  await served?.stop();
  await agent.stop();
  return 0;
};

function readOptions(flags: ParsedFlags): AgentOptions {
  const s = flags.strings;
  return {
    nats: readNatsFlags(flags, "agent"),
    slots: s.slots === undefined ? undefined : positiveInt("--slots", s.slots),
    labels: readLabels([...(flags.lists.label ?? []), ...(s.labels === undefined ? [] : [s.labels])]),
    workDir: s["work-dir"] ?? DEFAULT_AGENT_WORK_DIR,
    name: s.name,
    builders: s.builders === undefined ? undefined : commaList([s.builders]),
    ackWaitMs: s["ack-wait"] === undefined ? undefined : duration("--ack-wait", s["ack-wait"]),
    maxDeliver: s["max-deliver"] === undefined ? undefined : positiveInt("--max-deliver", s["max-deliver"]),
    maxBundleBytes: s["max-bundle-size"] === undefined ? undefined : byteSize("--max-bundle-size", s["max-bundle-size"]),
  };
}

function readLogFormat(value: string | undefined): LogFormat {
  if (value === undefined || value === "text" || value === "json") return value ?? "text";
  throw new FlagError(`agent: --log-format must be text or json, got "${value}"`);
}

/** `gpu`, `site=eu` (each flag may hold several, separated by commas) → { gpu: "", site: "eu" }, as presence carries them. */
function readLabels(values: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const text of commaList(values)) {
    let label: string;
    try {
      label = labelOf(text, "agent: --label");
    } catch (e) {
      if (e instanceof BuildPolicyError) throw new FlagError(e.message);
      throw e;
    }
    const eq = label.indexOf("=");
    if (eq < 0) labels[label] = "";
    else labels[label.slice(0, eq)] = label.slice(eq + 1);
  }
  return labels;
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new FlagError(`agent: ${flag} must be a whole number ≥ 1, got "${text}"`);
  return n;
}

function duration(flag: string, text: string): number {
  let ms: number;
  try {
    ms = parseGoDuration(text);
  } catch {
    throw new FlagError(`agent: ${flag} must be a duration like 30s or 2m, got "${text}"`);
  }
  if (ms < 1000) throw new FlagError(`agent: ${flag} must be at least 1s, got "${text}"`);
  return ms;
}

function byteSize(flag: string, text: string): number {
  const n = parseByteSize(text);
  if (n === undefined || n <= 0) throw new FlagError(`agent: ${flag} must be a size like 500MB or 1GiB, got "${text}"`);
  return n;
}
