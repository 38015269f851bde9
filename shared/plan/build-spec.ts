import type { RawComponent } from "../components/raw-component.js";
import type { BuildPolicy } from "./build-policy/policy.js";

/**
 * Everything one build needs, self-contained: what a local run executes and what a farm job
 * carries to an agent. Plain JSON.
 */
export interface BuildSpec {
  /** Build name after interpolation (builder `name`, else its type; HCL2: `type.name` or `build.type.name`). */
  name: string;
  /**
   * What components see as `build_name`/PACKER_BUILD_NAME (manifest names, `{{.BuildName}}`) when it
   * differs from `name`: for HCL2 templates, the source block's own name, as Packer 1.6.6 does.
   */
  packerBuildName?: string;
  builder: RawComponent;
  provisioners: PlannedProvisioner[];
  errorCleanupProvisioner?: PlannedProvisioner;
  /** Chains in template order; each chain runs on the builder's artifact. */
  postProcessorChains: PlannedPostProcessor[][];
  /** Resolved user variables (`{{user "x"}}`). */
  variables: Record<string, string>;
  /** Names of variables declared in the template (undeclared `{{user}}` renders ""). */
  declaredVariables: string[];
  /** Values to scrub from every output: sensitive variables' values. */
  sensitiveValues: string[];
  template: {
    /** Path as the user wrote it, for messages. */
    displayPath: string;
    /** Absolute path of the template file on the machine that planned it. */
    path: string;
  };
  /** Files and folders the build reads, relative to the template's folder (for farm bundles). */
  files: string[];
  /** ISO time fixed once per run, so `{{timestamp}}` agrees across builds. */
  initTime: string;
  /** PACKER_RUN_UUID, shared by every build of one run. */
  runUuid: string;
  /** Kiln's retries and deadline for this build (flags and kiln.json/kiln.hcl); absent: run once. */
  policy?: BuildPolicy;
}

export interface PlannedProvisioner {
  type: string;
  /** Config with this build's `override` already merged in. */
  raw: RawComponent;
  pauseBeforeMs: number;
  maxRetries: number;
  timeoutMs: number;
}

export interface PlannedPostProcessor {
  type: string;
  name?: string;
  raw: RawComponent;
  keepInputArtifact?: boolean;
}
