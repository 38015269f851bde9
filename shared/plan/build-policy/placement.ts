/**
 * Where and when a farm runs a build: the agent labels its job needs and its queue priority.
 *
 * A label is a bare name (`gpu`) or `name=value` (`site=eu`), as an agent advertises it with
 * `kiln agent -label=...`; a job goes only to agents that have every label it needs, compared as
 * written (a job needing `site` does not match an agent labelled `site=eu`). Labels become part of
 * a NATS subject token (shared/bus/names.ts jobQueue), hence the narrow alphabet: names and
 * values are letters, digits and `-`, no `_` (the queue name's separator), no `.` (NATS's).
 *
 * Priorities are three named levels: an agent with a free slot takes a `high` job before any
 * `normal` one, and a `normal` one before any `low` one. Three levels keep the queues per agent
 * few (each level of each queue is one JetStream consumer) and say what operators mean.
 */
import { BuildPolicyError } from "./policy.js";

export const PRIORITIES = ["low", "normal", "high"] as const;
export type Priority = (typeof PRIORITIES)[number];
export const DEFAULT_PRIORITY: Priority = "normal";

export const LABEL_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?(?:=[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?)?$/;
/** More would make a job queue's name (one subject token) too long, and no operator needs it. */
export const MAX_LABELS = 8;

export function labelOf(value: unknown, where: string): string {
  if (typeof value !== "string" || !LABEL_PATTERN.test(value)) {
    throw new BuildPolicyError(
      `${where}: ${JSON.stringify(value)} is not a label: write a name or name=value, each 1 to 32 letters, digits or "-" (not first or last), e.g. "gpu" or "site=eu-west"`,
    );
  }
  return value;
}

/** A list of labels, sorted and without repeats; a single string is taken as a one-label list. */
export function labelsOf(value: unknown, where: string): string[] {
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list)) throw new BuildPolicyError(`${where}: labels must be a list of strings such as ["gpu", "site=eu"] (got ${JSON.stringify(value)})`);
  const labels = [...new Set(list.map((l, i) => labelOf(l, `${where}[${i}]`)))].sort();
  if (labels.length > MAX_LABELS) throw new BuildPolicyError(`${where}: at most ${MAX_LABELS} labels (got ${labels.length})`);
  return labels;
}

export function priorityOf(value: unknown, where: string): Priority {
  if (typeof value !== "string" || !(PRIORITIES as readonly string[]).includes(value)) {
    throw new BuildPolicyError(`${where}: priority must be one of ${PRIORITIES.join(", ")} (got ${JSON.stringify(value)})`);
  }
  return value as Priority;
}
