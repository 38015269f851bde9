/**
 * `kiln agent`'s engine: probe the host, announce itself, pull jobs for the builder types it can
 * run (one durable consumer per job queue, one shared pool of slots), run them, and on stop hand
 * back whatever it was running so another agent takes it. Queues for agent labels and priorities
 * are found as the controller makes them (job-queues.ts), so an agent holds consumers only for
 * queues that exist and that it can serve.
 */
import { errorMessage } from "../../shared/error-message.js";
import { sleep } from "../../shared/sleep.js";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { setMaxListeners } from "node:events";
import { join } from "node:path";
import type { Consumer, ConsumerInfo, JsMsg } from "@nats-io/jetstream";
import {
  agentInboxPrefix,
  connectBus,
  ensureJobConsumer,
  JOBS_STREAM,
  jobConsumer,
  jobQueue,
  missingFarmResources,
  type AgentPresence,
  type Bus,
  type BusConnectOptions,
  retryOnOutage,
} from "../../shared/bus/index.js";
import type { PluginCatalogue } from "../catalogue.js";
import { builderTypesFor } from "./builder-types.js";
import { reapLeftovers } from "./job-dirs.js";
import { defaultCatalogue } from "../catalogue.js";
import { silentLog, type OperatorLog } from "../../shared/operator-log.js";
import { startHeartbeat } from "./presence.js";
import { knownHostNeeds } from "../../shared/plan/host-needs.js";
import { probeHost, type HostProbe } from "./probe.js";
import { bundleCacheDir, pruneBundleCache } from "./bundle-fetch.js";
import { CancelListeners } from "./cancel-listeners.js";
import { runJob, type JobResult } from "./job-steps/index.js";
import { Slots } from "./slots.js";
import { discoverJobQueues, queuePrecedence, type JobQueuePuller } from "./job-queues.js";

export const DEFAULT_AGENT_WORK_DIR = "/var/lib/kiln/agent";

export interface AgentOptions {
  nats: Omit<BusConnectOptions, "name">;
  /** Jobs run at once (default 1). */
  slots?: number;
  labels?: Record<string, string>;
  /** Where job folders go; default a fresh temp dir (the CLI passes /var/lib/kiln/agent). */
  workDir?: string;
  /** Default `<hostname>-<pid>`. Give a stable name so a restarted agent reaps its own leftovers. */
  name?: string;
  /** Only these builder types (each must be runnable here). */
  builders?: string[];
  /** Ack wait of job consumers this agent creates (default 30 s); existing consumers keep theirs. */
  ackWaitMs?: number;
  /** Deliveries before JetStream gives up on a job (default 3). */
  maxDeliver?: number;
  /** Presence refresh (default 5 s; the bucket forgets an agent ~15 s after its last beat). */
  heartbeatMs?: number;
  /** How long one pull waits for a job before trying again (default 5 s). */
  pullExpiresMs?: number;
  /** How often the agent looks for new job queues it can serve: labels, priorities (default 5 s). */
  queueRefreshMs?: number;
  maxBundleBytes?: number;
  log?: OperatorLog;
  /** Host probe to use instead of probing (the CLI probes first to print what it found). */
  probe?: HostProbe;
  catalogue?: PluginCatalogue;
  version?: string;
  /** Called after every job (tests and benchmarks count them). */
  onJobDone?: (result: JobResult) => void;
  /**
   * How long a stopping agent keeps retrying to tell the bus about its jobs (hand-backs, records,
   * output) while NATS is connected but not answering (default 5 s); while NATS is unreachable it
   * gives up at once. The jobs' own cleanups (VMs, containers) always run to their end.
   */
  stopBusGraceMs?: number;
}

export interface AgentHandle {
  name: string;
  builderTypes: string[];
  /** The job queues this agent pulls from now (its consumers: base queues, then those found). */
  queues(): string[];
  probe: HostProbe;
  workDir: string;
  /** Build slots (jobs it runs at once). */
  slots: number;
  /** Jobs running now. */
  busy(): number;
  /** Stops pulling, aborts running jobs (cleanups run) and hands them back, removes the presence, disconnects. */
  stop(): Promise<void>;
}

/** NATS users of agents are `kiln-agent-<name>` (deploy/nats/make-auth-conf.sh): their permissions name the agent. */
const AGENT_USER_PREFIX = "kiln-agent-";

/**
 * The agent's name: given, else the one in its NATS user, else host name and pid. A name other
 * than its NATS user's would only meet permission violations, so it is refused here, clearly.
 */
function agentName(options: AgentOptions): string {
  const user = options.nats.user;
  const fromUser = user?.startsWith(AGENT_USER_PREFIX) ? user.slice(AGENT_USER_PREFIX.length) : undefined;
  const name = options.name ?? fromUser ?? `${hostname().split(".")[0]}-${process.pid}`;
  if (fromUser !== undefined && name !== fromUser) {
    throw new Error(`agent name "${name}" does not match its NATS user ${user}, whose permissions name agent "${fromUser}": set --name/KILN_AGENT_NAME to ${fromUser}, or use the NATS user ${AGENT_USER_PREFIX}${name}`);
  }
  return name;
}

export async function startAgent(options: AgentOptions): Promise<AgentHandle> {
  const log = options.log ?? silentLog;
  const name = agentName(options);
  const catalogue = options.catalogue ?? defaultCatalogue;
  const probe = options.probe ?? (await probeHost({ catalogue }));
  const { types } = builderTypesFor(probe.capabilities, options.builders, options.catalogue);
  if (types.length === 0) throw new Error(`agent ${name}: this host can run none of Kiln's builder types (capabilities: ${probe.capabilities.join(", ")})`);
  // A work dir the agent made itself (none given) is its own to remove when it stops.
  const ownWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), "kiln-agent-")));
  await mkdir(workDir, { recursive: true });
  // What crashed jobs left outside their folders, by the builders that can leave such things.
  const plugins = await Promise.all(types.map((type) => catalogue.builder(type)));
  await reapLeftovers(workDir, name, log, [...new Set(plugins.flatMap((p) => (p.leftoverReaper ? [p.leftoverReaper] : [])))]);
  await pruneBundleCache(bundleCacheDir(workDir));

  const slots = new Slots(options.slots ?? 1);
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  const bus = await connectBus({ ...options.nats, name: `kiln-agent ${name}`, inboxPrefix: agentInboxPrefix(name) });
  try {
    await waitForFarmResources(bus, log);
    const consumerSettings = { ackWaitMs, maxDeliver: options.maxDeliver ?? 3 };
    const openQueue = async (type: string): Promise<JobQueuePuller> => {
      // Started while a NATS node is down or a leader election runs: ride it out, do not exit.
      const info = await retryOnOutage(() => jobConsumerInfo(bus, type, consumerSettings), { what: `open job consumer ${jobConsumer(type)}` });
      const consumer = await retryOnOutage(() => bus.js.consumers.get(JOBS_STREAM, jobConsumer(type)), { what: `open job consumer ${jobConsumer(type)}` });
      // In-progress acks follow the consumer's real ack wait, whoever set it.
      return { type, ackWaitMs: info.config.ack_wait ? Math.round(info.config.ack_wait / 1e6) : ackWaitMs, consumer };
    };
    const consumers = await Promise.all(jobQueuesFor(types, probe.capabilities).map(openQueue));
    const agentLabels = Object.entries(options.labels ?? {}).map(([k, v]) => (v === "" ? k : `${k}=${v}`));

    const shutdown = new AbortController();
    // Every queue's puller, every running job and the queue discovery listen for the stop: more
    // than Node's default warning threshold of 10 once label and priority queues are found.
    setMaxListeners(64 + 4 * slots.total, shutdown.signal);
    const busGiveUp = new AbortController();
    // Whether NATS is reachable now: a stop while it is not gives up on the bus at once.
    let connected = true;
    const giveUpOnBus = (why: string): void => {
      if (busGiveUp.signal.aborted) return;
      log.warn(`${why}; stopping without telling NATS more`, { name });
      busGiveUp.abort();
      // Requests in flight would each wait out their timeout: closing rejects them now.
      void bus.nc.close().catch(() => undefined);
    };
    void (async () => {
      for await (const s of bus.nc.status()) {
        if (s.type === "disconnect") {
          connected = false;
          if (shutdown.signal.aborted) giveUpOnBus("NATS went away during the stop");
        } else if (s.type === "reconnect") connected = true;
      }
    })().catch(() => undefined);
    let running = 0;
    const startedAt = new Date().toISOString();
    const presence = (): AgentPresence => ({
      name,
      host: hostname(),
      version: options.version ?? "0.1.0",
      labels: options.labels ?? {},
      capabilities: probe.capabilities,
      builderTypes: types,
      slots: slots.total,
      busy: running,
      startedAt,
      lastSeen: new Date().toISOString(),
    });
    const heartbeat = startHeartbeat(bus.agents, presence, options.heartbeatMs ?? 5000, log);
    await heartbeat.beat();

    const jobs = new Set<Promise<void>>();
    // Before the first pull: a job is taken only once its build's cancel can be heard.
    const cancels = new CancelListeners(bus.nc, log);
    const ctx = {
      bus,
      agentName: name,
      workDir,
      log,
      ackWaitMs,
      shutdown: shutdown.signal,
      busGiveUp: busGiveUp.signal,
      maxBundleBytes: options.maxBundleBytes,
      catalogue: options.catalogue,
      cancels,
      // The operator's choice (as for `kiln build`), else a folder of the agent's own: every
      // job runs in a fresh folder, so a per-job packer_cache would download each ISO again.
      downloadCacheDir: process.env.KILN_CACHE_DIR || process.env.PACKER_CACHE_DIR || join(workDir, "download-cache"),
      onRunning: (delta: 1 | -1) => {
        running += delta;
        heartbeat.beatSoon();
      },
    };
    const expires = options.pullExpiresMs ?? 5000;
    const precedence = queuePrecedence();
    const startPuller = ({ type, consumer, ackWaitMs: typeAckWaitMs }: JobQueuePuller): Promise<void> =>
      pullLoop(type, consumer, { slots, signal: shutdown.signal, expires, log, precedence }, (msg) => {
        let released = false;
        const releaseSlot = (): void => {
          if (released) return;
          released = true;
          slots.release();
        };
        const job = runJob(msg, { ...ctx, ackWaitMs: typeAckWaitMs }, { buildDone: releaseSlot })
          .then((r) => options.onJobDone?.(r))
          .catch((e: unknown) => log.error("job runner crashed", { error: errorMessage(e) }))
          .finally(() => {
            releaseSlot();
            jobs.delete(job);
          });
        jobs.add(job);
      });
    const pullers = consumers.map(startPuller);
    const pulled = new Set(consumers.map((c) => c.type));
    for (const c of consumers) precedence.add(c);
    // Queues for labels and priorities exist once a job needed them: look for them now and then.
    const discovery = discoverJobQueues({
      jsm: bus.jsm,
      canServe: { builderTypes: types, capabilities: probe.capabilities, labels: agentLabels },
      known: pulled,
      intervalMs: options.queueRefreshMs ?? 5000,
      signal: shutdown.signal,
      log,
      open: async (queue) => {
        const puller = await openQueue(queue);
        if (shutdown.signal.aborted) return;
        precedence.add(puller);
        pullers.push(startPuller(puller));
        log.info("pulling a new job queue", { queue });
      },
    });
    log.info("agent started", { name, builders: types, labels: agentLabels, slots: slots.total, workDir, capabilities: probe.capabilities });

    let stopping: Promise<void> | undefined;
    return {
      name,
      builderTypes: types,
      queues: () => [...pulled],
      probe,
      workDir,
      slots: slots.total,
      busy: () => running,
      stop() {
        stopping ??= (async () => {
          log.info("agent stopping", { name, running });
          shutdown.abort();
          if (!connected) giveUpOnBus("NATS is unreachable");
          // NATS connected but not answering: retries stop after the grace (in-flight requests end by their timeout).
          const grace = options.stopBusGraceMs ?? 5000;
          const giveUp = setTimeout(() => {
            log.warn("the bus does not answer; no more retries", { name, afterMs: grace });
            busGiveUp.abort();
          }, grace);
          try {
            await discovery;
            await Promise.all(pullers);
            await Promise.all([...jobs]);
          } finally {
            clearTimeout(giveUp);
          }
          cancels.close();
          // A presence left behind expires with the bucket's TTL; a drain NATS cannot answer ends in a close.
          // The heartbeat's timers stop whatever NATS does; its last delete may not get through.
          await withinMs(heartbeat.stop(), busGiveUp.signal.aborted ? 0 : 2000);
          if (!bus.nc.isClosed() && !(await withinMs(bus.close(), busGiveUp.signal.aborted ? 0 : 2000))) await bus.nc.close().catch(() => undefined);
          if (ownWorkDir) await rm(workDir, { recursive: true, force: true });
          log.info("agent stopped", { name });
        })();
        return stopping;
      },
    };
  } catch (e) {
    await bus.close();
    throw e;
  }
}

/** True when `work` settled within `ms`; otherwise it is left to finish (or fail) unobserved. */
async function withinMs(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = work.then(
    () => true,
    () => true,
  );
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

interface PullContext {
  slots: Slots;
  signal: AbortSignal;
  expires: number;
  log: OperatorLog;
  precedence: ReturnType<typeof queuePrecedence>;
}

/**
 * Waits for a free slot, waits for a job of this queue, takes a slot with the job, repeats. A free
 * slot goes to a higher-priority queue first: this one waits while such a queue has jobs pending.
 */
async function pullLoop(type: string, consumer: Consumer, ctx: PullContext, take: (msg: JsMsg) => void): Promise<void> {
  let failing = false;
  while (!ctx.signal.aborted) {
    if (!(await ctx.slots.whenFree(ctx.signal))) return;
    if (await ctx.precedence.yieldToHigher(type, ctx.signal)) continue;
    let msg: JsMsg | undefined;
    try {
      msg = await nextJob(consumer, ctx.expires, ctx.signal);
      if (failing) ctx.log.info("pulling jobs works again", { type });
      failing = false;
    } catch (e) {
      if (!failing) ctx.log.warn("pulling jobs failed; retrying", { type, error: errorMessage(e) });
      failing = true;
      await sleep(1000, ctx.signal);
      continue;
    }
    if (!msg) continue;
    if (!ctx.slots.tryAcquire() && !(await waitForSlotHolding(msg, ctx))) {
      msg.nak(); // stopping: give it straight back
      return;
    }
    take(msg);
  }
}

/**
 * Another type's job took the last slot while this pull was out. Keep the job (in-progress acks,
 * so it is not redelivered and its attempt count stays true) until a slot frees; a nak would
 * spend one of its deliveries on nothing. At most one such job per other builder type is held.
 */
async function waitForSlotHolding(msg: JsMsg, ctx: PullContext): Promise<boolean> {
  const keepAlive = setInterval(() => msg.working(), 1000);
  try {
    return await ctx.slots.acquire(ctx.signal);
  } finally {
    clearInterval(keepAlive);
  }
}

/**
 * The job consumer of a type: created with this agent's settings when missing, used as it is
 * otherwise. The controller's --ack-wait/--max-deliver rule an existing consumer; agents with
 * other defaults must not flip its settings back and forth.
 */
async function jobConsumerInfo(bus: Bus, type: string, settings: { ackWaitMs: number; maxDeliver: number }): Promise<ConsumerInfo> {
  try {
    return await bus.jsm.consumers.info(JOBS_STREAM, jobConsumer(type));
  } catch {
    return ensureJobConsumer(bus.jsm, type, settings);
  }
}

/**
 * One job, or undefined when none came within `expires`. A fetch (unlike `next()`) can be
 * stopped, so a stopping agent does not sit out a pull it no longer wants.
 */
async function nextJob(consumer: Consumer, expires: number, signal: AbortSignal): Promise<JsMsg | undefined> {
  const batch = await consumer.fetch({ max_messages: 1, expires });
  const stop = (): void => void batch.stop();
  signal.addEventListener("abort", stop, { once: true });
  try {
    for await (const m of batch) return m;
    return undefined;
  } finally {
    signal.removeEventListener("abort", stop);
  }
}

/** An agent may not create the farm's streams and buckets; until the controller has, it waits and says so. */
async function waitForFarmResources(bus: Bus, log: OperatorLog): Promise<void> {
  for (let said = false; ; said = true) {
    const missing = await retryOnOutage(() => missingFarmResources(bus.jsm), { what: "look up the farm's NATS resources" });
    if (missing.length === 0) return;
    if (!said) log.warn("waiting for the controller to create the farm's NATS resources (start `kiln controller`)", { missing });
    await sleep(2000);
  }
}

/**
 * The job queues this agent pulls from: each of its builder types alone, and with each set of the
 * host needs provisioners may have (shared/plan/host-needs.ts) that this host found — an agent
 * with ansible also takes `null__ansible` jobs, one without never sees them.
 */
export function jobQueuesFor(types: readonly string[], capabilities: readonly string[]): string[] {
  const have = knownHostNeeds().filter((n) => capabilities.includes(n));
  let sets: string[][] = [[]];
  for (const need of have) sets = [...sets, ...sets.map((s) => [...s, need])];
  return types.flatMap((type) => sets.map((s) => jobQueue(type, s)));
}
