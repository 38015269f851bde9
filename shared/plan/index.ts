// Public face of the planner: a template and its variables → one self-contained BuildSpec per build.
export type { BuildSpec, PlannedProvisioner, PlannedPostProcessor } from "./build-spec.js";
export { planBuilds, type PlanOptions } from "./plan-builds.js";
export { NameFilter, buildSelected } from "./build-name-filter.js";
export { filesOfComponent } from "./build-files.js";
