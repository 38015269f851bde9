/** The farm agent: host probe, job pulling and running, leftovers of crashes. */
export { startAgent, DEFAULT_AGENT_WORK_DIR, type AgentOptions, type AgentHandle } from "./agent.js";
export { probeHost, unameArch, type HostProbe, type ProbeOptions } from "./probe.js";
export { builderTypesFor, BuilderFilterError, type BuilderTypeChoice } from "./builder-types.js";
export { reapLeftovers, LEASE_FILE, type JobLease } from "./job-dirs.js";
export type { LeftoverReaper, DeadJob } from "../builders/types.js";
export { createOperatorLog, silentLog, type OperatorLog, type LogFormat, type LogFields } from "../../shared/operator-log.js";
export type { JobResult } from "./job-steps/index.js";
