// The SSH communicator: connect (with Packer's waiting and retries), run, transfer files.
export { CANCEL_DEADLINES_MS, CANCEL_WORST_CASE_MS, SshCommunicator, connectSsh } from "./ssh-communicator.js";
export type { SshConnectOptions } from "./connect.js";
export { generateTemporaryKeyPair, type TemporaryKeyPair } from "./temporary-key-pair.js";
export { SshAbortedError, SshHandshakeError, SshTimeoutError, SshUnsupportedError } from "./errors.js";
