/**
 * Every NATS name Kiln uses, in one place: subjects, streams, consumers, buckets. Controller and
 * agent both import from here and nowhere else invent a name.
 */

/**
 * Work-queue stream of build jobs, one subject per job queue: `kiln.jobs.<queue>`. A queue is a
 * builder type, then what the job's provisioners need of the host (`null__ansible`), then the
 * agent labels it needs (`L_gpu`, `L_site_eu` for site=eu), then its priority when not normal
 * (`P_high`, `P_low`), all joined by `__`: an agent without ansible, or without label gpu, never
 * even sees such a job, and an agent pulls a queue's `P_high` before the queue itself.
 */
export const JOBS_STREAM = "KILN_JOBS";
export const JOBS_SUBJECTS = "kiln.jobs.>";
export function jobQueue(builderType: string, hostNeeds: readonly string[] = [], labels: readonly string[] = [], priority = "normal"): string {
  // Builder types, host needs and labels never hold "_" twice in a row, and labels never hold
  // "_" at all (shared/plan/build-policy/placement.ts): a queue name says one set of requirements.
  const parts = [builderType, ...hostNeeds, ...[...labels].sort().map((l) => `L_${l.replace("=", "_")}`), ...(priority === "normal" ? [] : [`P_${priority}`])];
  return subjectToken(parts.join("__"));
}

/** What a queue's name says a job needs, read back (an agent lists the consumers it could serve). */
export interface JobQueueParts {
  builderType: string;
  hostNeeds: string[];
  labels: string[];
  priority: string;
}

export function parseJobQueue(queue: string): JobQueueParts {
  const [builderType, ...rest] = queue.split("__");
  const parts: JobQueueParts = { builderType: builderType!, hostNeeds: [], labels: [], priority: "normal" };
  for (const part of rest) {
    if (part.startsWith("L_")) parts.labels.push(part.slice(2).replace("_", "="));
    else if (part.startsWith("P_")) parts.priority = part.slice(2);
    else parts.hostNeeds.push(part);
  }
  return parts;
}

/** The queue a consumer name serves, or undefined for a consumer that is not a job queue's. */
export function queueOfJobConsumer(consumer: string): string | undefined {
  return consumer.startsWith("jobs-") ? consumer.slice("jobs-".length) : undefined;
}
export function jobSubject(queue: string): string {
  return `kiln.jobs.${subjectToken(queue)}`;
}
/** One durable pull consumer per queue (NATS 2.9 has no multi-subject filters; they must not overlap in a work queue). */
export function jobConsumer(queue: string): string {
  return `jobs-${subjectToken(queue)}`;
}

/**
 * JetStream's MAX_DELIVERIES advisories for the jobs stream, kept in a work-queue stream of their
 * own: an advisory published while no controller runs waits there instead of being lost (core
 * NATS), and controllers share one durable consumer so each advisory is handled once.
 */
export const LOST_JOBS_STREAM = "KILN_LOST_JOBS";
export const LOST_JOBS_SUBJECTS = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${JOBS_STREAM}.*`;
export const LOST_JOBS_CONSUMER = "controllers";

/**
 * Per-build output: `kiln.build.<buildId>.log` (log lines) and `kiln.build.<buildId>.event`
 * (state changes) from the controller, the same under `.by.<agentName>` from agents, in one stream so a watcher reads both in one order and resumes from a
 * stream sequence without gaps or duplicates.
 */
export const BUILD_OUTPUT_STREAM = "KILN_BUILD_OUTPUT";
export const BUILD_OUTPUT_SUBJECTS = "kiln.build.>";
export function buildLogSubject(buildId: string): string {
  return `kiln.build.${subjectToken(buildId)}.log`;
}
export function buildEventSubject(buildId: string): string {
  return `kiln.build.${subjectToken(buildId)}.event`;
}
/**
 * An agent's output for a build: `kiln.build.<buildId>.by.<agentName>.log|event`. An agent's NATS
 * user may publish only under its own name, and watchers pass on an agent's output only for jobs
 * that agent held (JobRecord.heldBy), so no agent can put lines into a build it does not run.
 */
export function agentLogSubject(buildId: string, agentName: string): string {
  return `kiln.build.${subjectToken(buildId)}.by.${subjectToken(agentName)}.log`;
}
export function agentEventSubject(buildId: string, agentName: string): string {
  return `kiln.build.${subjectToken(buildId)}.by.${subjectToken(agentName)}.event`;
}
/** The agent that published a build output message (from its subject), or undefined for the controller's own output. */
export function outputPublisher(subject: string): string | undefined {
  const tokens = subject.split(".");
  return tokens.length === 6 && tokens[3] === "by" ? tokens[4] : undefined;
}
export function buildOutputFilter(buildId: string): string {
  return `kiln.build.${subjectToken(buildId)}.>`;
}

/** Cancel requests (core NATS, also recorded in the build record): `kiln.control.<buildId>`. */
export function controlSubject(buildId: string): string {
  return `kiln.control.${subjectToken(buildId)}`;
}
export const CONTROL_SUBJECTS = "kiln.control.>";

/**
 * An agent's requests to the controllers, `kiln.agent.<agentName>.<what>`: the agent's NATS user
 * may publish only under its own name, so the controller knows which agent asks. Job records are
 * written this way (the controller checks the agent holds the job); NATS permissions cannot say
 * "only the records of the jobs you hold".
 */
export function agentJobRecordSubject(agentName: string): string {
  return `kiln.agent.${subjectToken(agentName)}.job-record`;
}
export const AGENT_JOB_RECORD_SUBJECTS = "kiln.agent.*.job-record";
/** Controllers share these requests: each is served once. */
export const CONTROLLERS_QUEUE = "kiln-controllers";

/** The reply subjects of a client reading the artifacts store (deploy/nats/artifact-reader-user.conf subscribes to these alone). */
export const ARTIFACT_READER_INBOX_PREFIX = "_INBOX_kiln_artifact_reader";

/** An agent's reply subjects (`<prefix>.<nuid>`): its NATS user may subscribe to these and no one else's. */
export function agentInboxPrefix(agentName: string): string {
  return `_INBOX_kiln_agent_${subjectToken(agentName)}`;
}

/**
 * Job messages an agent refused or could not process (undecodable, unsafe values, a fault of the
 * agent itself) are republished here as they came, with the reason in the `Kiln-Reason` header,
 * for operators; the job itself is terminated so it never jams a consumer.
 */
export const DEAD_LETTER_SUBJECT = "kiln.errors.undecodable";

/** KV bucket of build records: `build.<id>` and `job.<id>.<jobIndex>`. */
export const BUILDS_BUCKET = "kiln_builds";
export function buildKey(buildId: string): string {
  return `build.${subjectToken(buildId)}`;
}
export function jobKey(buildId: string, jobIndex: number): string {
  return `job.${subjectToken(buildId)}.${jobIndex}`;
}

/** KV bucket of agent presence: `agent.<name>`, refreshed by heartbeats, expiring when they stop. */
export const AGENTS_BUCKET = "kiln_agents";
export function agentKey(name: string): string {
  return `agent.${subjectToken(name)}`;
}

/** Object stores: template bundles (named by sha256, stored once) and file artifacts. */
export const BUNDLES_STORE = "kiln_bundles";
export const ARTIFACTS_STORE = "kiln_artifacts";
/** A job spec too big for its message, sealed in the bundles store (not a sha256: no bundle has this name). */
export function jobSpecObjectName(buildId: string, jobIndex: number): string {
  return `job-spec/${subjectToken(buildId)}/${jobIndex}`;
}
/**
 * One name per delivery attempt: a redelivered job uploads afresh instead of replacing the
 * earlier attempt's object, which would need a purge agents may not do (a purge request cannot be
 * limited to one object by NATS permissions: an agent allowed it could empty the whole store).
 */
export function artifactObjectName(buildId: string, jobIndex: number, attempt: number, file: string): string {
  return `${buildId}/${jobIndex}/${attempt}/${file}`;
}

/**
 * What Kiln puts in a subject token (ids, builder types, agent names). NATS forbids `.`, `*`, `>`
 * and whitespace; Kiln also uses these values as file names, hence no `/` and a length limit.
 * Message schemas check their fields with it, so a bad value is refused when decoded.
 */
export const SUBJECT_TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export function subjectToken(s: string): string {
  if (!SUBJECT_TOKEN_PATTERN.test(s)) throw new Error(`"${s}" cannot be a NATS subject token (1 to 128 letters, digits, _ and -)`);
  return s;
}
