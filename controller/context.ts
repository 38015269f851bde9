/** What every part of the controller works with: the bus, its settings, its log, its bundle cache and its temporary folder. */
import type { Bus } from "../shared/bus/index.js";
import type { OperatorLog } from "../shared/operator-log.js";
import type { BundleCache } from "./bundle-cache.js";
import type { ScratchFolder } from "./scratch-folder.js";

export interface ControllerSettings {
  /** Jobs not acked (or in-progress acked) within this long are redelivered. */
  ackWaitMs: number;
  /** Deliveries of a job before it is marked failed (agent lost). */
  maxDeliver: number;
  /** Default for how long a job may wait for a capable agent; 0 = forever. */
  waitTimeoutMs: number;
  /** Limit for a submitted bundle, compressed and uncompressed. */
  maxBundleBytes: number;
  /** A NATS outage shorter than this is ridden out inside a call (watches); longer ones end it as UNAVAILABLE. */
  busOutageMs: number;
  /** Finished builds' records, output and artifacts are removed this long after they finished; 0 = kept forever. */
  retentionMs: number;
}

export interface ControllerContext {
  bus: Bus;
  settings: ControllerSettings;
  log: OperatorLog;
  /** Extracted bundles by sha256, shared by submissions of the same template. */
  bundles: BundleCache;
  /** This controller's temporary folder (extracted bundles, spooled uploads), removed when it stops. */
  scratch: ScratchFolder;
  /** Aborted when the controller stops: every wait on the bus ends then. */
  stopping: AbortSignal;
}
