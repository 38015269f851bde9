/**
 * A job message whose spec was too big for the bus refers to it, sealed, in the bundles object
 * store: the agent opens it before the job's steps start, so every step sees the whole spec.
 */
import { openJobSpec, retryOnOutage, type Bus, type JobEnvelope, type JobMessage } from "../../shared/bus/index.js";

export async function openJob(agent: { bus: Pick<Bus, "bundleSource">; busGiveUp?: AbortSignal }, envelope: JobEnvelope): Promise<JobMessage> {
  const { spec, storedSpec, ...rest } = envelope;
  if (spec) return { ...rest, spec };
  const ref = storedSpec!; // the envelope's schema allows exactly one of the two
  // A NATS node lost mid-read is ridden out; a missing or damaged spec (StoredSpecError) is not retried.
  const opened = await retryOnOutage(() => openJobSpec(agent.bus.bundleSource, envelope.buildId, envelope.jobIndex, ref), {
    what: `fetch the spec of job ${envelope.buildId}/${envelope.jobIndex}`,
    signal: agent.busGiveUp,
  });
  return { ...rest, spec: opened };
}
