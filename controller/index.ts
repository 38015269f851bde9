/** The farm's controller: the Farm gRPC API over state kept in NATS. */
export { startController, DEFAULT_SETTINGS, type ControllerOptions, type RunningController } from "./server.js";
export type { ControllerSettings } from "./context.js";
export { createOperatorLog, silentLog, type OperatorLog, type LogFormat } from "../shared/operator-log.js";
export { serveAgentJobRecords, checkAgentJobRecordWrite, type AgentJobRecordService } from "./agent-job-records.js";
