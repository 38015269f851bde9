import type { PrepareContext } from "../../shared/components/types.js";
import type { Communicator } from "../communicators/types.js";
import type { BuildUi } from "./ui.js";

export interface BuildIdentity {
  /** The build's name (builder `name`, or its type). */
  name: string;
  /** The builder type, e.g. "null". */
  type: string;
}

/** What every plugin sees while a build runs. The runner makes one per build. */
export interface RunContext {
  ui: BuildUi;
  /** Aborted on cancel (Ctrl-C, `kiln cancel`): stop what you are doing, then cleanups run. */
  signal: AbortSignal;
  build: BuildIdentity;
  /** Folder relative paths are resolved against (the user's cwd locally, the job dir on an agent). */
  workDir: string;
  /** For plugins that prepare or render config at run time. */
  prepare: PrepareContext;
  /**
   * A private (0700) scratch folder for this build, removed by the runner at the end; on an
   * agent it lies in the job folder, so a crash's leftovers are reaped with it. Every temp file a
   * plugin makes on this host (scripts, staged uploads, media) goes here, never to /tmp.
   */
  scratchDir: string;
  /**
   * Where downloads (ISOs, disk images) are cached and shared between builds: an agent's own
   * folder; unset for local builds, which use KILN_CACHE_DIR / PACKER_CACHE_DIR / ./packer_cache.
   */
  downloadCacheDir?: string;
  /** Which attempt this is when the build has retries (kiln -retry, kiln.json); the manifest records it. */
  attempt?: number;
}

/** Data a builder generates for provisioners: `{{build "Host"}}`, PACKER_HTTP_ADDR, … */
export type GeneratedData = Record<string, string>;

export interface ProvisionContext extends RunContext {
  comm: Communicator;
  generated: GeneratedData;
}
