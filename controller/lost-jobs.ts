/**
 * Jobs JetStream gave up redelivering: on a MAX_DELIVERIES advisory for KILN_JOBS, the job is
 * marked failed with the reason. The advisories wait in the KILN_LOST_JOBS stream (see names.ts),
 * so one fired while no controller ran is handled when one starts; controllers share its durable
 * consumer, and the compare-and-set in dropJob makes a duplicate harmless anyway.
 */
import { errorMessage } from "../shared/error-message.js";
import type { ConsumerMessages } from "@nats-io/jetstream";
import { z } from "zod";
import { BusDecodeError, decodeJob, JOBS_STREAM, LOST_JOBS_CONSUMER, LOST_JOBS_STREAM } from "../shared/bus/index.js";
import type { ControllerContext } from "./context.js";
import { dropJob } from "./drop-job.js";

const advisorySchema = z.object({ stream: z.string(), consumer: z.string(), stream_seq: z.number().int().positive(), deliveries: z.number().int() });

export interface LostJobsWatch {
  stop(): Promise<void>;
}

export async function watchLostJobs(ctx: ControllerContext): Promise<LostJobsWatch> {
  const consumer = await ctx.bus.js.consumers.get(LOST_JOBS_STREAM, LOST_JOBS_CONSUMER);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 16 });
  const done = (async () => {
    for await (const msg of messages) {
      try {
        await handleAdvisory(ctx, msg.subject, msg.data);
        msg.ack();
      } catch (e) {
        ctx.log.error("could not mark a lost job failed; retrying in 5s", { subject: msg.subject, reason: errorMessage(e) });
        msg.nak(5_000);
      }
    }
  })();
  return {
    async stop() {
      await messages.close();
      await done;
    },
  };
}

async function handleAdvisory(ctx: ControllerContext, subject: string, data: Uint8Array): Promise<void> {
  let advisory: z.infer<typeof advisorySchema>;
  try {
    advisory = advisorySchema.parse(JSON.parse(new TextDecoder().decode(data)));
  } catch (e) {
    ctx.log.warn("ignoring an undecodable max-deliveries advisory", { subject, reason: errorMessage(e) });
    return;
  }
  const stored = await ctx.bus.jsm.streams.getMessage(JOBS_STREAM, { seq: advisory.stream_seq }).catch(() => null);
  if (!stored) return; // already removed (finished, or another controller handled it)
  let job;
  try {
    job = decodeJob(stored.data, stored.subject);
  } catch (e) {
    if (!(e instanceof BusDecodeError)) throw e;
    ctx.log.warn("dropping an undecodable job message past its delivery limit", { sequence: advisory.stream_seq, reason: e.reason });
    await ctx.bus.jsm.streams.deleteMessage(JOBS_STREAM, advisory.stream_seq).catch(() => false);
    return;
  }
  const dropped = await dropJob(ctx, {
    buildId: job.buildId,
    jobIndex: job.jobIndex,
    state: "failed",
    error: `the job was delivered ${advisory.deliveries} times and its agent never finished it (agent lost?)`,
    from: ["queued", "running"],
  });
  // The record may have been finished by a slow agent; the message must still leave the queue.
  if (!dropped) await ctx.bus.jsm.streams.deleteMessage(JOBS_STREAM, advisory.stream_seq).catch(() => false);
}
