/** Connecting failed for good: wrong credentials, or the handshake kept failing. */
export class SshHandshakeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SshHandshakeError";
  }
}

/** Nothing answered on host:port before `ssh_timeout` ran out. */
export class SshTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SshTimeoutError";
  }
}

/** A configured feature Kiln's SSH communicator cannot honour (yet). */
export class SshUnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SshUnsupportedError";
  }
}

/** The operation was cancelled through its AbortSignal. */
export class SshAbortedError extends Error {
  constructor(what: string) {
    super(`${what}: cancelled`);
    this.name = "AbortError";
  }
}
