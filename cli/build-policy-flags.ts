/**
 * `-retry`, `-retry-on`, `-timeout`, `-label`, `-priority` and the side file (kiln.json / kiln.hcl next to the template):
 * each build's policy, resolved where the user runs `kiln build` — locally, and for a farm build
 * before submitting (the side file stays on this machine, like var files).
 */
import { basename, resolve } from "node:path";
import {
  BuildPolicyError,
  isDefaultPolicy,
  labelsOf,
  PRIORITIES,
  priorityOf,
  loadSideFile,
  policyFor,
  retriesOf,
  retryOnOf,
  sideFileFolder,
  SIDE_FILE_NAMES,
  timeoutOf,
  type BuildPolicy,
} from "../shared/plan/build-policy/index.js";
import { FlagError, type FlagSpecs, type ParsedFlags } from "./flags.js";

export const policyFlagSpecs: FlagSpecs = {
  retry: { kind: "string", help: "Kiln: run a failed build again up to N more times, after its cleanups (also per build in kiln.json).", placeholder: "N" },
  "retry-on": { kind: "string", help: "Kiln: retry only failures whose error matches this regular expression (RE2).", placeholder: "REGEXP" },
  timeout: { kind: "string", help: "Kiln: cancel an attempt still running after this long, cleanups included (e.g. 45m).", placeholder: "DURATION" },
  label: {
    kind: "list",
    help: "Kiln farm: run only on agents with this label (name or name=value, as `kiln agent -label` gives it); repeat for several. A local build ignores it.",
    placeholder: "LABEL",
  },
  priority: { kind: "string", help: `Kiln farm: queue priority, ${PRIORITIES.join(", ")} (default normal): a free agent takes higher first. A local build ignores it.`, placeholder: "LEVEL" },
};

/** Build name → policy, for builds whose policy is not the default (run once, no deadline). */
export async function resolveBuildPolicies(flags: ParsedFlags, cwd: string, buildNames: readonly string[]): Promise<Map<string, BuildPolicy>> {
  const fromFlags: Partial<BuildPolicy> = {};
  try {
    if (flags.strings.retry !== undefined) fromFlags.retries = retriesOf(flags.strings.retry, "-retry");
    if (flags.strings["retry-on"] !== undefined) fromFlags.retryOn = retryOnOf(flags.strings["retry-on"], "-retry-on");
    if (flags.strings.timeout !== undefined) fromFlags.timeoutMs = timeoutOf(flags.strings.timeout, "-timeout");
    if (flags.lists.label !== undefined) fromFlags.labels = labelsOf(flags.lists.label.flatMap((l) => l.split(",")).map((l) => l.trim()), "-label");
    if (flags.strings.priority !== undefined) fromFlags.priority = priorityOf(flags.strings.priority, "-priority");
  } catch (e) {
    if (e instanceof BuildPolicyError) throw new FlagError(e.message);
    throw e;
  }
  const target = flags.rest[0] ?? ".";
  // A template that is itself named kiln.json has no side file (it would read itself as one).
  const isSideFileName = (SIDE_FILE_NAMES as readonly string[]).includes(basename(target));
  const sideFile = isSideFileName ? undefined : await loadSideFile(sideFileFolder(resolve(cwd, target)), sideFileFolder(target));
  const policies = new Map<string, BuildPolicy>();
  for (const name of buildNames) {
    const policy = policyFor(name, sideFile, fromFlags);
    if (!isDefaultPolicy(policy)) policies.set(name, policy);
  }
  return policies;
}
