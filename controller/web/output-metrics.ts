/**
 * The metrics the build output feeds: every message stored in KILN_BUILD_OUTPUT after this
 * controller started passes here once, through an ordered consumer of its own (so each controller
 * counts the whole farm, as its other metrics do). A log line adds its text's bytes; a `kiln-event`
 * record of a finished step observes its duration; both under the job's builder type, read from
 * the build index. NATS restarts are ridden out: the consumer is made again after the last
 * sequence counted, so nothing is counted twice.
 *
 * Two consumers, the controller's output (`kiln.build.<id>.<kind>`) and the agents'
 * (`kiln.build.<id>.by.<agent>.<kind>`), not one on the whole stream: an expired build's output
 * is purged by subject (`kiln.build.<id>.>`), and nats-server before 2.9.12 moves every consumer
 * whose filter covers a purged subject past all it has not delivered yet (nats-server#3838; see
 * shared/bus/records.ts). Neither filter covers `kiln.build.<id>.>`, so neither is moved.
 *
 * The start is an explicit sequence (the stream's last at start, plus one), not DeliverPolicy.New:
 * an ordered consumer that resets before its first message starts over from sequence 1, which
 * would count the whole retained output again.
 */
import { DeliverPolicy, type JsMsg } from "@nats-io/jetstream";
import { BUILD_OUTPUT_STREAM, BusDecodeError, decodeBuildEvent, measureLogLine, reasonOf } from "../../shared/bus/index.js";
import { BUILD_EVENT_RECORD, parseBuildEvents } from "../../shared/build-events.js";
import { sleep } from "../../shared/sleep.js";
import type { BuildIndex } from "../build-index.js";
import type { ControllerContext } from "../context.js";
import type { ControllerMetrics } from "./metrics.js";

export interface OutputMetricsFeed {
  stop(): Promise<void>;
}

/** A step name as agents send it; anything else (a bug, a forged record) is counted as "other", so labels stay few. */
const STEP_LABEL = /^[\w .:()-]{1,64}$/;

/** What the two consumers read: every subject of the output stream, in two filters no build purge covers. */
const OUTPUT_FILTERS = ["kiln.build.*.*", "kiln.build.*.by.*.*"] as const;

export function feedOutputMetrics(ctx: ControllerContext, index: BuildIndex, metrics: ControllerMetrics): OutputMetricsFeed {
  const stopped = new AbortController();
  const signal = AbortSignal.any([stopped.signal, ctx.stopping]);

  const count = (msg: JsMsg): void => {
    const [, , buildId = "", ...rest] = msg.subject.split(".");
    const builderType = (jobIndex: number): string => index.job(buildId, jobIndex)?.builderType ?? "unknown";
    try {
      if (rest.at(-1) === "log") {
        const line = measureLogLine(msg.data, msg.subject, msg.headers);
        metrics.logStored(builderType(line.jobIndex), line.textBytes);
        return;
      }
      if (rest.at(-1) !== "event") return;
      const record = decodeBuildEvent(msg.data, msg.subject);
      if (record.kind !== "machine" || record.type !== BUILD_EVENT_RECORD) return;
      for (const event of parseBuildEvents(record.data)) {
        if (event.type !== "step-finished" || typeof event.step !== "string" || !(event.durationMs >= 0)) continue;
        metrics.stepFinished(builderType(record.jobIndex), STEP_LABEL.test(event.step) ? event.step : "other", event.durationMs / 1000);
      }
    } catch (e) {
      // Watchers log undecodable output; counting skips it quietly.
      if (!(e instanceof BusDecodeError)) throw e;
    }
  };

  /** Follows one filter from the stream's end at start, made again after the last sequence counted when it fails. */
  const follow = async (filter: string): Promise<void> => {
    /** Stream sequence of the next message to count; undefined until the stream's end is known. */
    let next: number | undefined;
    while (!signal.aborted) {
      try {
        next ??= (await ctx.bus.jsm.streams.info(BUILD_OUTPUT_STREAM)).state.last_seq + 1;
        const consumer = await ctx.bus.js.consumers.get(BUILD_OUTPUT_STREAM, { filter_subjects: filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: next });
        // Short pulls: after a NATS crash the client's ordered consumer is made again but, its
        // pending count off, pulls no more until two heartbeats are missed (half of `expires`
        // each: 30 s by default; 2 s here, for one small pull request every 2 s when idle).
        const messages = await consumer.consume({ max_messages: 512, expires: 2_000 });
        const onAbort = (): void => void messages.close();
        signal.addEventListener("abort", onAbort, { once: true });
        try {
          for await (const msg of messages) {
            next = msg.seq + 1;
            count(msg);
          }
        } finally {
          signal.removeEventListener("abort", onAbort);
        }
      } catch (e) {
        if (!signal.aborted) ctx.log.warn("the metrics' view of the build output failed; following it again", { filter, next, reason: reasonOf(e) });
      }
      await sleep(1000, signal);
    }
  };
  const loops = Promise.all(OUTPUT_FILTERS.map(follow));

  return {
    async stop() {
      stopped.abort();
      await loops;
    },
  };
}
