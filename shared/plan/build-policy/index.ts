/**
 * Kiln's per-build policy (retries, deadline, farm labels and priority): from the side file next to the
 * template and the command line, resolved for each build name.
 */
import picomatch from "picomatch";
import { DEFAULT_POLICY, type BuildPolicy } from "./policy.js";
import type { SideFile } from "./side-file.js";

export { BuildPolicyError, DEFAULT_POLICY, isDefaultPolicy, type BuildPolicy } from "./policy.js";
export { DEFAULT_PRIORITY, LABEL_PATTERN, labelOf, labelsOf, MAX_LABELS, PRIORITIES, priorityOf, type Priority } from "./placement.js";
export { errorIsRetryable, retriesOf, retryOnOf, timeoutOf } from "./settings.js";
export { loadSideFile, sideFileFolder, SIDE_FILE_NAMES, type SideFile } from "./side-file.js";

/** The policy of the build named `buildName`: defaults, then matching side-file entries in order, then the flags. */
export function policyFor(buildName: string, sideFile: SideFile | undefined, flags: Partial<BuildPolicy>): BuildPolicy {
  let policy: BuildPolicy = { ...DEFAULT_POLICY };
  for (const entry of sideFile?.entries ?? []) {
    if (picomatch.isMatch(buildName, entry.glob, { dot: true })) policy = { ...policy, ...entry.settings };
  }
  return { ...policy, ...definedOnly(flags) };
}

function definedOnly(p: Partial<BuildPolicy>): Partial<BuildPolicy> {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as Partial<BuildPolicy>;
}
