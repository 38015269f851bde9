/**
 * What Kiln adds around a build that Packer has no word for: retries, a deadline, and where and
 * when a farm runs it (labels, priority: placement.ts). It never lives in the template (templates stay exactly
 * what Packer accepts): it comes from `kiln build` flags and from a side file next to the template
 * (kiln.json or kiln.hcl, see side-file.ts), per build-name glob.
 */
import type { Priority } from "./placement.js";

export interface BuildPolicy {
  /** Extra attempts after the first fails: 0 means run once. */
  retries: number;
  /**
   * Retry only when the failed attempt's error text matches this RE2 regular expression (Go's
   * syntax, as Packer users write); absent: any failure is retried.
   */
  retryOn?: string;
  /** Deadline of each attempt, in ms; the attempt is cancelled (cleanups run) when it passes. */
  timeoutMs?: number;
  /** Agent labels a farm job needs (sorted); a local build has no agent to choose and ignores them. */
  labels?: string[];
  /** Queue priority on a farm; absent means normal. */
  priority?: Priority;
}

export const DEFAULT_POLICY: BuildPolicy = { retries: 0 };

export function isDefaultPolicy(p: BuildPolicy): boolean {
  return p.retries === 0 && p.retryOn === undefined && p.timeoutMs === undefined && (p.labels ?? []).length === 0 && (p.priority ?? "normal") === "normal";
}

/** Where a setting came from, for error messages: "kiln.json:4 (builds."qemu.*".retries)" or "-retry". */
export interface PolicySource {
  where: string;
}

export class BuildPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BuildPolicyError";
  }
}
