/**
 * One job on an agent, from the message it pulled to its ack, as a list of steps:
 *
 *   record running → job folder → bundle → run the build → export → upload → finish (the one exit)
 *
 * Around the list, for the job's whole life: in-progress acks (so JetStream does not redeliver
 * it), the job's cancel listener, and the output sink to the bus. They are released in one
 * place whatever happens, so nothing of a job outlives it.
 */
import { errorMessage } from "../../../shared/error-message.js";
import type { JsMsg } from "@nats-io/jetstream";
import { BusDecodeError, decodeJob, StoredSpecError, type JobMessage } from "../../../shared/bus/index.js";
import { openJob } from "../job-spec-fetch.js";
import { BusOutputSink } from "../bus-output-sink.js";
import { deadLetter, finishJob, refuseJob, type JobResult } from "./finish.js";
import { JobStepList, type JobContext, type JobExitKind, type JobRunnerContext } from "./job-step.js";
import { stepBundle } from "./step-bundle.js";
import { stepExport } from "./step-export.js";
import { stepJobFolder } from "./step-job-folder.js";
import { stepRecordRunning } from "./step-record.js";
import { stepRunBuild } from "./step-run-build.js";
import { stepUpload } from "./step-upload.js";

export type { JobRunnerContext } from "./job-step.js";
export type { JobResult } from "./finish.js";

/** The job at a glance. */
export const jobSteps = JobStepList.start<object>()
  .then(stepRecordRunning)
  .then(stepJobFolder)
  .then(stepBundle)
  .then(stepRunBuild)
  .then(stepExport)
  .then(stepUpload);

/**
 * `buildDone`: called once the job's build work is over (before its record, event and ack are
 * settled), so the agent can pull its next job while this one finishes — the slot is for running
 * builds, and a job's last round trips need none.
 */
export async function runJob(msg: JsMsg, agent: JobRunnerContext, hooks: { buildDone?: () => void } = {}): Promise<JobResult> {
  let job: JobMessage;
  try {
    job = await openJob(agent, decodeJob(msg.data, msg.subject));
  } catch (e) {
    if (e instanceof BusDecodeError || e instanceof StoredSpecError) {
      await refuseJob(agent, msg, errorMessage(e));
      return "garbage";
    }
    // The store could not be read even after riding out an outage: JetStream delivers it again.
    agent.log.error("the job's stored spec could not be fetched; it will be redelivered", { subject: msg.subject, seq: msg.seq, error: errorMessage(e) });
    msg.nak(1000);
    return "failed";
  }
  const attempt = msg.info.deliveryCount;
  const fields = { build: job.buildId, job: job.jobIndex, name: job.spec.name, attempt };

  // Everything the job holds is made inside the try, so the finally releases all of it.
  let keepAlive: NodeJS.Timeout | undefined;
  let stopListening: (() => void) | undefined;
  let output: BusOutputSink | undefined;
  const abort = new AbortController();
  let cancelRequested = false;
  const onShutdown = (): void => abort.abort();
  try {
    // In-progress acks restart JetStream's ack-wait clock while the job is ours.
    keepAlive = setInterval(() => msg.working(), Math.max(200, Math.floor(agent.ackWaitMs / 3)));
    agent.shutdown.addEventListener("abort", onShutdown, { once: true });
    stopListening = agent.cancels.listen(job.buildId, () => {
      cancelRequested = true;
      agent.log.info("cancel requested", fields);
      abort.abort();
    });
    output = new BusOutputSink(agent.bus.js, {
      buildId: job.buildId,
      agentName: agent.agentName,
      jobIndex: job.jobIndex,
      attempt,
      signal: agent.busGiveUp,
      onPublishError: (e) => agent.log.error("build output could not be published", { ...fields, error: e.message }),
    });
    const ctx: JobContext = { agent, msg, job, attempt, fields, output, signal: abort.signal, cancelRequested: () => cancelRequested, startedAt: performance.now() };
    let exit: JobExitKind;
    try {
      exit = await jobSteps.run(ctx, {});
    } catch (e) {
      exit = { kind: "fault", error: `the agent could not run the job: ${errorMessage(e)}` };
    }
    // A stopping agent takes no new job: keep the slot until the job is handed back.
    if (exit.kind !== "hand-back") hooks.buildDone?.();
    return await finishJob(ctx, exit);
  } catch (e) {
    // Setting the job up failed (a value the schema let through, a closed connection).
    deadLetter(agent, msg, `the agent could not take the job: ${errorMessage(e)}`);
    return "failed";
  } finally {
    clearInterval(keepAlive);
    agent.shutdown.removeEventListener("abort", onShutdown);
    stopListening?.();
    await output?.flush();
  }
}
