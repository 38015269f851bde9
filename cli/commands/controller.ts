/**
 * `kiln controller --listen HOST:PORT --nats URL [--token T] [--read-token-file F] [--tls-cert F --tls-key F]
 * [--nats-user U --nats-password P | --nats-creds FILE] [--ack-wait 30s] [--max-deliver 3]
 * [--wait-timeout 1h] [--retention 168h] [--max-bundle-size 1GiB]`: serve the farm's gRPC API until SIGINT/SIGTERM.
 */
import { errorMessage } from "../../shared/error-message.js";
import { readFileSync } from "node:fs";
import { parseByteSize } from "../../shared/bundle/index.js";
import { parseGoDuration } from "../../shared/template/duration.js";
import { createOperatorLog, startController, type ControllerOptions, type LogFormat } from "../../controller/index.js";
import { FlagError, formatFlagHelp, parseFlags, type FlagSpecs, type ParsedFlags } from "../flags.js";
import type { Command } from "../io.js";
import { hasNatsCredentials, natsFlagSpecs, readNatsFlags } from "../nats-flags.js";
import { untilStopSignal } from "../stop-signal.js";

const flagSpecs: FlagSpecs = {
  listen: { kind: "string", help: "Address of the gRPC API (default 127.0.0.1:7420).", env: "KILN_LISTEN", placeholder: "HOST:PORT" },
  "web-listen": { kind: "string", help: "Address of the web console and Prometheus /metrics (same token and TLS as the API; off unless given).", env: "KILN_WEB_LISTEN", placeholder: "HOST:PORT" },
  ...natsFlagSpecs,
  token: { kind: "string", help: "Bearer token clients must send (prefer the environment variable: flags show in `ps`).", env: "KILN_TOKEN", placeholder: "TOKEN" },
  "read-token-file": {
    kind: "string",
    help: "File holding a read-only token (one line): it allows every read — builds, logs, artifacts, the web console, /metrics — and no submit or cancel. Or give the token itself in KILN_READ_TOKEN. Needs --token.",
    env: "KILN_READ_TOKEN_FILE",
    placeholder: "FILE",
  },
  "tls-cert": { kind: "string", help: "TLS certificate (PEM) for the gRPC API.", env: "KILN_TLS_CERT", placeholder: "FILE" },
  "tls-key": { kind: "string", help: "TLS private key (PEM) for the gRPC API.", env: "KILN_TLS_KEY", placeholder: "FILE" },
  "ack-wait": { kind: "string", help: "A job whose agent goes silent this long is redelivered (default 30s).", env: "KILN_ACK_WAIT", placeholder: "30s" },
  "nats-replicas": { kind: "string", help: "Replicas of the farm's streams, buckets and stores (3 on a 3-node JetStream cluster; default 1).", env: "KILN_NATS_REPLICAS", placeholder: "N" },
  "max-deliver": { kind: "string", help: "Deliveries of a job before it fails as lost (default 3).", env: "KILN_MAX_DELIVER", placeholder: "N" },
  "wait-timeout": { kind: "string", help: "How long a job may wait for a capable agent before it fails, 0 = forever (default 1h).", env: "KILN_WAIT_TIMEOUT", placeholder: "1h" },
  retention: {
    kind: "string",
    help: "Finished builds' records, logs and artifacts are removed this long after they finish, 0 = kept forever (default 168h).",
    env: "KILN_RETENTION",
    placeholder: "168h",
  },
  "max-bundle-size": { kind: "string", help: "Refuse template bundles bigger than this, compressed or not (default 1GiB).", env: "KILN_MAX_BUNDLE_SIZE", placeholder: "SIZE" },
  "log-format": { kind: "string", help: "Operator log on stderr: text or json (default text).", env: "KILN_LOG_FORMAT", placeholder: "text|json" },
};

export const help = `Usage: kiln controller --nats URL [options]

  Serves the farm's API: clients submit templates (kiln build --controller,
  kiln submit), watch their logs and fetch artifacts; jobs go to agents
  through NATS JetStream, where all state lives (several controllers may
  run, and any may restart, without losing a build).

  At start it creates the farm's streams, buckets and object stores if
  they are missing. Without --token it listens on loopback only; without
  NATS credentials it only connects to a NATS server on loopback.

  A read-only token (--read-token-file, or KILN_READ_TOKEN) is for
  dashboards, Prometheus and people who watch: with it kiln builds, logs,
  artifacts and agents work, and the web console shows everything but
  Cancel; submitting or cancelling is refused (PERMISSION_DENIED, HTTP 403).

Options:

${formatFlagHelp(flagSpecs)}`;

export const run: Command = async (argv, io) => {
  let options: ControllerOptions;
  let logFormat: LogFormat;
  try {
    const flags = parseFlags(argv, flagSpecs, io.env);
    if (flags.rest.length > 0) throw new FlagError(`controller: unexpected argument "${flags.rest[0]}"`);
    const format = flags.strings["log-format"] ?? "text";
    if (format !== "text" && format !== "json") throw new FlagError(`controller: --log-format must be text or json, got "${format}"`);
    logFormat = format;
    options = readOptions(flags, io.env);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    io.stderr.write(`${e.message}\n\n${help}\n`);
    return 1;
  }
  const log = createOperatorLog(io.stderr, logFormat, "controller");
  if (!hasNatsCredentials(options.nats)) log.warn("no NATS credentials configured: connecting to a loopback NATS server only");

  let controller;
  try {
    controller = await startController({ ...options, log });
  } catch (e) {
    io.stderr.write(`controller: ${errorMessage(e)}\n`);
    return 1;
  }
  io.stdout.write(`Controller listening on ${controller.address}${options.tls ? " (TLS)" : ""}.\n`);
  if (controller.webAddress) io.stdout.write(`Web console on ${options.tls ? "https" : "http"}://${controller.webAddress}/ (metrics at /metrics).\n`);
  await untilStopSignal((signal) => log.info(`received ${signal}: stopping (builds keep running on their agents)`));
  await controller.stop();
  return 0;
};

function readOptions(flags: ParsedFlags, env: NodeJS.ProcessEnv): ControllerOptions {
  const s = flags.strings;
  const nats = readNatsFlags(flags, "controller");
  if ((s["tls-cert"] === undefined) !== (s["tls-key"] === undefined)) throw new FlagError("controller: give both --tls-cert and --tls-key");
  const settings: ControllerOptions["settings"] = {};
  if (s["ack-wait"] !== undefined) settings.ackWaitMs = duration("--ack-wait", s["ack-wait"], false);
  if (s["max-deliver"] !== undefined) settings.maxDeliver = positiveInt("--max-deliver", s["max-deliver"]);
  if (s["wait-timeout"] !== undefined) settings.waitTimeoutMs = duration("--wait-timeout", s["wait-timeout"], true);
  if (s.retention !== undefined) settings.retentionMs = duration("--retention", s.retention, true);
  if (s["max-bundle-size"] !== undefined) {
    const bytes = parseByteSize(s["max-bundle-size"]);
    if (bytes === undefined || bytes <= 0) throw new FlagError(`controller: --max-bundle-size "${s["max-bundle-size"]}" is not a size like 1GiB or 500MB`);
    settings.maxBundleBytes = bytes;
  }
  const replicas = s["nats-replicas"] !== undefined ? positiveInt("--nats-replicas", s["nats-replicas"]) : undefined;
  return {
    replicas,
    listen: s.listen ?? "127.0.0.1:7420",
    webListen: s["web-listen"],
    nats,
    token: s.token === "" ? undefined : s.token,
    readOnlyToken: readOnlyToken(s["read-token-file"], env.KILN_READ_TOKEN),
    tls: s["tls-cert"] !== undefined && s["tls-key"] !== undefined ? { certFile: s["tls-cert"], keyFile: s["tls-key"] } : undefined,
    settings,
  };
}

/** The read-only token from its file or KILN_READ_TOKEN (errors name the file, never a token). */
function readOnlyToken(file: string | undefined, fromEnv: string | undefined): string | undefined {
  if (file !== undefined && file !== "" && fromEnv !== undefined && fromEnv !== "") {
    throw new FlagError("controller: give the read-only token either in --read-token-file (KILN_READ_TOKEN_FILE) or in KILN_READ_TOKEN, not both");
  }
  if (file === undefined || file === "") return fromEnv === "" ? undefined : fromEnv;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new FlagError(`controller: cannot read --read-token-file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const token = text.trim();
  if (token === "" || /\s/.test(token)) throw new FlagError(`controller: --read-token-file ${file} must hold one token on one line`);
  return token;
}

function duration(flag: string, text: string, zeroAllowed: boolean): number {
  let ms: number;
  try {
    ms = parseGoDuration(text);
  } catch {
    throw new FlagError(`controller: ${flag} "${text}" is not a duration like 30s, 5m or 1h`);
  }
  if (ms < 0 || (ms === 0 && !zeroAllowed)) throw new FlagError(`controller: ${flag} must be ${zeroAllowed ? "0 or more" : "more than 0"}, got "${text}"`);
  return ms;
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new FlagError(`controller: ${flag} must be a whole number of 1 or more, got "${text}"`);
  return n;
}
