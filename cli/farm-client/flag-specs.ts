/**
 * The flags of the farm client commands, kept apart from the gRPC code so that `kiln build`
 * (which lists them) does not load it unless --controller is given.
 */
import type { FlagSpecs } from "../flags.js";
import { natsFlagSpecs } from "../nats-flags.js";

/** --controller, --token, --tls-ca: every farm client command has them. */
export const farmFlagSpecs: FlagSpecs = {
  controller: { kind: "string", help: "Address of the kiln controller.", env: "KILN_CONTROLLER", placeholder: "HOST:PORT" },
  token: { kind: "string", help: "Bearer token the controller expects.", env: "KILN_TOKEN", placeholder: "TOKEN" },
  "tls-ca": { kind: "string", help: "CA certificate (PEM) to verify the controller's TLS certificate; without it the connection is not encrypted.", env: "KILN_TLS_CA", placeholder: "FILE" },
};

/** What `kiln build --controller` and `kiln submit` add: how the build is queued. */
export const submissionFlagSpecs: FlagSpecs = {
  "wait-timeout": { kind: "string", help: "With --controller: how long a build may wait for a capable agent before it fails (default: the controller's).", env: "KILN_WAIT_TIMEOUT", placeholder: "1h" },
  "max-bundle-size": { kind: "string", help: "With --controller: refuse to send more than this many bytes of template files (default 1GiB).", env: "KILN_MAX_BUNDLE_SIZE", placeholder: "BYTES" },
};

/**
 * What the commands that fetch artifact files add (`kiln artifacts`, `kiln build --controller`):
 * reading them straight from the farm's object store. The same flags and environment as the
 * agent's and the controller's, with a user allowed to read that store. `when`: the flags a
 * command needs first for these to matter, said before each help (`kiln build` fetches artifact
 * files only with --controller: a local build reads no object store).
 */
export function artifactStoreFlagSpecs(when: string[] = []): FlagSpecs {
  const help = (text: string, alsoWhen: string[] = []): string => {
    const conditions = [...when, ...alsoWhen];
    const said = conditions.length > 0 ? `With ${conditions.join(" and ")}: ${text}` : text;
    return said[0].toUpperCase() + said.slice(1);
  };
  return {
    nats: {
      ...natsFlagSpecs.nats,
      help: help("fetch artifact files straight from the farm's NATS object store (fastest; the controller serves them otherwise, and still does if the store cannot be read from here). Needs a NATS user allowed to read it: deploy/nats/make-auth-conf.sh --artifact-reader."),
    },
    "nats-user": { ...natsFlagSpecs["nats-user"], help: help("NATS user (kiln-artifact-reader as make-auth-conf.sh makes it).", ["--nats"]) },
    "nats-password": { ...natsFlagSpecs["nats-password"], help: help("its password (prefer the environment variable: flags show in `ps`).", ["--nats"]) },
    "nats-creds": { ...natsFlagSpecs["nats-creds"], help: help("NATS credentials file (.creds or nkey seed) instead of user and password.", ["--nats"]) },
  };
}
