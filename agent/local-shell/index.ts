// Runs shell-local work on the machine running the build: shared by the shell-local provisioner
// and post-processor.
export { runShellLocal, InvalidExitCodeError, ShellLocalCancelledError } from "./run-shell-local.js";
export { runProcessGroup, SpawnError, type ProcessGroupOptions, type ProcessGroupResult } from "./process-group.js";
