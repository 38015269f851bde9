/**
 * The NATS connection flags every farm process (`kiln agent`, `kiln controller`) takes, with
 * their environment fallbacks and checks, so both read and refuse them the same way.
 */
import { FlagError, type FlagSpecs, type ParsedFlags } from "./flags.js";

export const natsFlagSpecs: FlagSpecs = {
  nats: { kind: "string", help: "NATS server URL(s), comma separated (cluster).", env: "KILN_NATS_URL", placeholder: "nats://HOST:4222" },
  "nats-user": { kind: "string", help: "NATS user.", env: "KILN_NATS_USER", placeholder: "USER" },
  "nats-password": { kind: "string", help: "NATS password (prefer the environment variable: flags show in `ps`).", env: "KILN_NATS_PASSWORD", placeholder: "PASSWORD" },
  "nats-creds": { kind: "string", help: "NATS credentials file (.creds or nkey seed).", env: "KILN_NATS_CREDS", placeholder: "FILE" },
};

export interface NatsFlags {
  url: string;
  user?: string;
  password?: string;
  credsFile?: string;
}

/** Reads and checks the NATS flags; `command` prefixes the messages ("agent: …"). */
export function readNatsFlags(flags: ParsedFlags, command: string): NatsFlags {
  const s = flags.strings;
  if (!s.nats) throw new FlagError(`${command}: --nats (or KILN_NATS_URL) is required, e.g. --nats nats://127.0.0.1:4222`);
  if ((s["nats-user"] === undefined) !== (s["nats-password"] === undefined)) {
    throw new FlagError(`${command}: give both --nats-user and --nats-password (or KILN_NATS_USER and KILN_NATS_PASSWORD)`);
  }
  if (s["nats-creds"] !== undefined && s["nats-user"] !== undefined) {
    throw new FlagError(`${command}: give either --nats-user/--nats-password or --nats-creds, not both`);
  }
  return { url: s.nats, user: s["nats-user"], password: s["nats-password"], credsFile: s["nats-creds"] };
}

export function hasNatsCredentials(nats: NatsFlags): boolean {
  return nats.user !== undefined || nats.credsFile !== undefined;
}

/** True when every server of the URL list is on loopback (where running without credentials is allowed). */
export function isLoopbackNatsUrl(urls: string): boolean {
  return urls.split(",").every((u) => {
    const host = /^(?:nats|tls|ws|wss):\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)/.exec(u.trim())?.[1] ?? u.trim().split(":")[0];
    return host === "localhost" || host === "[::1]" || host === "::1" || /^127\./.test(host);
  });
}
