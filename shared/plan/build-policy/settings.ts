/**
 * Checks one block of policy settings (a side-file entry or the command-line flags) into a
 * partial BuildPolicy, each problem naming where it was written.
 */
import { RE2JS } from "re2js";
import { DurationSyntaxError, parseGoDuration } from "../../template/duration.js";
import { labelsOf, priorityOf } from "./placement.js";
import { BuildPolicyError, type BuildPolicy } from "./policy.js";

export const POLICY_KEYS = ["retries", "retry_on", "timeout", "labels", "priority"] as const;

/** `at(key)` says where a key was written ("kiln.json:3:5, builds \"qemu.*\" retries"). */
export function readPolicySettings(raw: Record<string, unknown>, at: (key: string) => string): Partial<BuildPolicy> {
  const out: Partial<BuildPolicy> = {};
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case "retries":
        out.retries = retriesOf(value, at(key));
        break;
      case "retry_on":
        out.retryOn = retryOnOf(value, at(key));
        break;
      case "timeout":
        out.timeoutMs = timeoutOf(value, at(key));
        break;
      case "labels":
        out.labels = labelsOf(value, at(key));
        break;
      case "priority":
        out.priority = priorityOf(value, at(key));
        break;
      default:
        throw new BuildPolicyError(`${at(key)}: unknown setting "${key}"; a build's settings are ${POLICY_KEYS.join(", ")}`);
    }
  }
  return out;
}

export function retriesOf(value: unknown, where: string): number {
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 100) {
    throw new BuildPolicyError(`${where}: retries must be a whole number from 0 to 100 (got ${JSON.stringify(value)})`);
  }
  return n;
}

export function retryOnOf(value: unknown, where: string): string {
  if (typeof value !== "string" || value === "") throw new BuildPolicyError(`${where}: retry_on must be a regular expression (got ${JSON.stringify(value)})`);
  try {
    RE2JS.compile(value);
  } catch (e) {
    throw new BuildPolicyError(`${where}: retry_on is not a valid regular expression: ${(e as Error).message}`);
  }
  return value;
}

export function timeoutOf(value: unknown, where: string): number {
  if (typeof value !== "string") throw new BuildPolicyError(`${where}: timeout must be a duration such as "45m" or "1h30m" (got ${JSON.stringify(value)})`);
  let ms: number;
  try {
    ms = parseGoDuration(value);
  } catch (e) {
    if (!(e instanceof DurationSyntaxError)) throw e;
    throw new BuildPolicyError(`${where}: ${e.message} (write it as "45m" or "1h30m")`);
  }
  if (ms <= 0) throw new BuildPolicyError(`${where}: timeout must be more than 0 (got "${value}")`);
  return ms;
}


/** Whether a failed attempt's error should be retried under `retryOn`. */
export function errorIsRetryable(retryOn: string | undefined, error: string): boolean {
  return retryOn === undefined || RE2JS.compile(retryOn).matcher(error).find();
}
