/** Records as the API shows them: a build's state derived from its jobs', and the proto messages. */
import type { AgentPresence, ArtifactRef, BuildRecord, BuildState, JobRecord, JobState } from "../shared/bus/index.js";
import { State, type Agent, type Artifact, type Build, type Job } from "../proto/gen/kiln/v1/farm.js";
import { agentCanRun, waitingReason } from "./agents.js";
import { TERMINAL_JOB_STATES } from "./records.js";

/**
 * queued while every job is; finished (succeeded, failed, cancelled) once every job is, with
 * failure winning and a requested cancel turning cancelled jobs into a cancelled build; running
 * in between.
 */
export function buildState(record: BuildRecord, jobs: readonly JobRecord[]): BuildState {
  if (jobs.length < record.jobCount) return jobs.length === 0 ? "queued" : "running";
  if (jobs.every((j) => j.state === "queued")) return jobs.length === 0 ? "succeeded" : "queued";
  if (!jobs.every((j) => TERMINAL_JOB_STATES.has(j.state))) return "running";
  if (jobs.some((j) => j.state === "failed")) return "failed";
  if (jobs.some((j) => j.state === "cancelled")) return "cancelled";
  return "succeeded";
}

export function allJobsFinished(record: BuildRecord, jobs: readonly JobRecord[]): boolean {
  return jobs.length >= record.jobCount && jobs.every((j) => TERMINAL_JOB_STATES.has(j.state));
}

const STATES: Record<JobState, State> = {
  queued: State.STATE_QUEUED,
  running: State.STATE_RUNNING,
  succeeded: State.STATE_SUCCEEDED,
  failed: State.STATE_FAILED,
  cancelled: State.STATE_CANCELLED,
};

export function stateToProto(state: JobState): State {
  return STATES[state];
}

export function artifactToProto(a: ArtifactRef): Artifact {
  return { builderId: a.builderId, id: a.id, description: a.description, files: a.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256, object: f.object })) };
}

export function jobToProto(job: JobRecord, agents: readonly AgentPresence[]): Job {
  const waiting = job.state === "queued" && !agents.some((a) => agentCanRun(a, job));
  return {
    index: job.jobIndex,
    name: job.name,
    builderType: job.builderType,
    needs: job.needs,
    state: stateToProto(job.state),
    agent: job.agent ?? "",
    attempts: job.attempts,
    error: job.error ?? "",
    waitingFor: waiting ? waitingReason(job) : "",
    artifacts: job.artifacts.map(artifactToProto),
    startedAt: job.startedAt ?? "",
    finishedAt: job.finishedAt ?? "",
    fingerprint: job.fingerprint ?? "",
    reusedFrom: job.reusedFrom ? `${job.reusedFrom.buildId}/${job.reusedFrom.jobIndex}` : "",
    labels: job.labels ?? [],
    priority: job.priority ?? "normal",
  };
}

export function buildToProto(record: BuildRecord, jobs: readonly JobRecord[], agents: readonly AgentPresence[]): Build {
  return {
    id: record.id,
    template: record.template,
    state: stateToProto(buildState(record, jobs)),
    submittedAt: record.submittedAt,
    jobs: [...jobs].sort((a, b) => a.jobIndex - b.jobIndex).map((j) => jobToProto(j, agents)),
  };
}

export function agentToProto(a: AgentPresence): Agent {
  return {
    name: a.name,
    host: a.host,
    version: a.version,
    labels: a.labels,
    capabilities: a.capabilities,
    builderTypes: a.builderTypes,
    slots: a.slots,
    busy: a.busy,
    startedAt: a.startedAt,
    lastSeen: a.lastSeen,
  };
}
