/**
 * The controller's Prometheus metrics (prom-client), served at /metrics of the web console. Farm
 * state is read at scrape time from the build index (memory) and agent presence (one KV read):
 * builds and jobs by state and builder type, queue depth and oldest wait, agents up and slots in
 * use, redeliveries and lost jobs. Histograms (queue wait, job duration) and the artifact bytes
 * observe each job once, when a scrape first sees it started or finished. Step durations and log
 * bytes come from the build output as it is stored (./output-metrics.ts). API requests are
 * counted as they are served. Each controller counts the whole farm (not its share of it).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { JobRecord } from "../../shared/bus/index.js";
import type { BuildIndex } from "../build-index.js";
import { buildState } from "../build-view.js";
import { presentAgents } from "../agents.js";
import type { ControllerContext } from "../context.js";

export interface ControllerMetrics {
  registry: Registry;
  /** The exposition text (histograms first take in what the index learned since the last scrape). */
  render(): Promise<string>;
  /** Counts one API request (`api`: grpc or http). */
  request(api: "grpc" | "http", method: string, code: string): void;
  /** A build step finished (from its `kiln-event` record). */
  stepFinished(builderType: string, step: string, seconds: number): void;
  /** Log text stored for a job. */
  logStored(builderType: string, bytes: number): void;
}

const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];
const WAIT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
/** Steps range from a connect to nothing (milliseconds) to an OS install (an hour). */
const STEP_BUCKETS = [0.01, 0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];

export function controllerMetrics(ctx: ControllerContext, index: BuildIndex): ControllerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "kiln_controller_" });
  const seenStarted = new Set<string>();
  const seenFinished = new Set<string>();
  const queueWait = new Histogram({ name: "kiln_queue_wait_seconds", help: "Time from submission to a job's start, by builder type.", labelNames: ["builder_type"], buckets: WAIT_BUCKETS, registers: [registry] });
  const jobDuration = new Histogram({ name: "kiln_job_duration_seconds", help: "How long finished jobs ran, by builder type and final state.", labelNames: ["builder_type", "state"], buckets: DURATION_BUCKETS, registers: [registry] });
  const requests = new Counter({ name: "kiln_api_requests_total", help: "API requests served, by API (grpc, http), method and status code.", labelNames: ["api", "method", "code"], registers: [registry] });
  const stepDuration = new Histogram({ name: "kiln_step_duration_seconds", help: "How long build steps ran (failed ones included), by builder type and step name.", labelNames: ["builder_type", "step"], buckets: STEP_BUCKETS, registers: [registry] });
  const logBytes = new Counter({ name: "kiln_log_bytes_total", help: "Bytes of build log text stored, by builder type.", labelNames: ["builder_type"], registers: [registry] });
  const artifactBytes = new Counter({ name: "kiln_artifact_bytes_total", help: "Bytes of artifact files stored by finished jobs (reused ones not counted again), by builder type.", labelNames: ["builder_type"], registers: [registry] });

  /** Observes what changed since the last scrape into the histograms (each job once). */
  const observeJobs = (): void => {
    for (const b of index.all()) {
      const submitted = Date.parse(b.record.submittedAt);
      for (const j of b.jobs.values()) {
        const key = `${b.id}/${j.jobIndex}`;
        if (j.startedAt && !seenStarted.has(key)) {
          seenStarted.add(key);
          queueWait.observe({ builder_type: j.builderType }, Math.max(0, Date.parse(j.startedAt) - submitted) / 1000);
        }
        if (j.finishedAt && !seenFinished.has(key) && ["succeeded", "failed", "cancelled"].includes(j.state)) {
          seenFinished.add(key);
          if (j.startedAt) jobDuration.observe({ builder_type: j.builderType, state: j.state }, Math.max(0, Date.parse(j.finishedAt) - Date.parse(j.startedAt)) / 1000);
          if (!j.reusedFrom) artifactBytes.inc({ builder_type: j.builderType }, storedBytes(j));
        }
      }
    }
  };

  new Gauge({
    name: "kiln_builds", help: "Builds the controller knows, by state.", labelNames: ["state"], registers: [registry],
    collect() {
      this.reset();
      for (const b of index.all()) this.inc({ state: buildState(b.record, [...b.jobs.values()]) });
    },
  });
  new Gauge({
    name: "kiln_jobs", help: "Jobs by state and builder type.", labelNames: ["state", "builder_type"], registers: [registry],
    collect() {
      this.reset();
      for (const b of index.all()) for (const j of b.jobs.values()) this.inc({ state: j.state, builder_type: j.builderType });
    },
  });
  new Gauge({
    name: "kiln_queue_depth", help: "Jobs waiting for an agent, by builder type.", labelNames: ["builder_type"], registers: [registry],
    collect() {
      this.reset();
      for (const b of index.unfinished()) for (const j of b.jobs.values()) if (j.state === "queued") this.inc({ builder_type: j.builderType });
    },
  });
  new Gauge({
    name: "kiln_queue_oldest_wait_seconds", help: "How long the oldest waiting job of each builder type has waited.", labelNames: ["builder_type"], registers: [registry],
    collect() {
      this.reset();
      const oldest = new Map<string, number>();
      for (const b of index.unfinished()) {
        for (const j of b.jobs.values()) {
          if (j.state !== "queued") continue;
          const since = Date.parse(b.record.submittedAt);
          oldest.set(j.builderType, Math.min(oldest.get(j.builderType) ?? since, since));
        }
      }
      for (const [type, since] of oldest) this.set({ builder_type: type }, Math.max(0, Date.now() - since) / 1000);
    },
  });
  new Gauge({
    name: "kiln_job_redeliveries", help: "Delivery attempts beyond the first, summed over the jobs the controller knows (agent deaths, hand-backs).", registers: [registry],
    collect() {
      let n = 0;
      for (const b of index.all()) for (const j of b.jobs.values()) n += Math.max(0, j.attempts - 1);
      this.set(n);
    },
  });
  new Gauge({
    name: "kiln_jobs_lost", help: "Jobs that failed because every delivery attempt was lost.", registers: [registry],
    collect() {
      let n = 0;
      for (const b of index.all()) for (const j of b.jobs.values()) if (j.state === "failed" && /lost|max deliver/i.test(j.error ?? "")) n += 1;
      this.set(n);
    },
  });
  const agentGauge = (name: string, help: string, value: (a: { slots: number; busy: number }) => number, labelNames: string[] = []) =>
    new Gauge({
      name, help, labelNames, registers: [registry],
      async collect() {
        this.reset();
        const agents = await presentAgents(ctx.bus, ctx.log).catch(() => []);
        if (labelNames.length === 0) this.set(agents.reduce((sum, a) => sum + value(a), 0));
        else for (const a of agents) this.set({ agent: a.name }, value(a));
      },
    });
  agentGauge("kiln_agents_up", "Agents with a live heartbeat.", () => 1);
  agentGauge("kiln_agent_slots", "Build slots of each agent.", (a) => a.slots, ["agent"]);
  agentGauge("kiln_agent_slots_busy", "Build slots in use on each agent.", (a) => a.busy, ["agent"]);

  return {
    registry,
    async render() {
      observeJobs();
      return registry.metrics();
    },
    request(api, method, code) {
      requests.inc({ api, method, code });
    },
    stepFinished(builderType, step, seconds) {
      stepDuration.observe({ builder_type: builderType, step }, seconds);
    },
    logStored(builderType, bytes) {
      logBytes.inc({ builder_type: builderType }, bytes);
    },
  };
}

/** Bytes of a job's artifact files, each object once (a file can belong to several artifacts). */
function storedBytes(job: JobRecord): number {
  const sizes = new Map<string, number>();
  for (const file of job.artifacts.flatMap((a) => a.files)) sizes.set(file.object, file.size);
  return [...sizes.values()].reduce((sum, n) => sum + n, 0);
}
