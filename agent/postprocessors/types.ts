import type { ComponentSchema } from "../../shared/components/types.js";
import type { Artifact } from "../runner/artifact.js";
import type { RunContext } from "../runner/context.js";

export interface PostProcessResult {
  artifact: Artifact;
  /** The post-processor's own wish to keep its input (overridden by `keep_input_artifact`). */
  keepInput: boolean;
  /** When true, the input is kept whatever the template says (Packer's forceOverride). */
  forceKeepInput?: boolean;
}

export interface PostProcessContext extends RunContext {
  /** Every artifact of this build's earlier chains is not visible; only the chain's input is. */
  generated: Record<string, string>;
}

/**
 * A file a post-processor writes beside the artifacts (not an artifact in Packer's sense) that
 * must still reach the client of a farm build: the agent ships it as an artifact with this
 * builder id, and the client knows what to do with that id (manifest: merge the builds' files).
 */
export interface ExtraOutput {
  builderId: string;
  /** Relative to the build's working folder, as the configuration names it. */
  file: string;
  description: string;
}

/** The agent half of a post-processor: its schema lives in shared/components/post-processors. */
export interface PostProcessorPlugin<Config> {
  schema: ComponentSchema<Config>;
  postProcess(ctx: PostProcessContext, config: Config, input: Artifact): Promise<PostProcessResult>;
  /** Files besides artifacts this configuration writes that a farm agent must ship too (see ExtraOutput). */
  extraOutputs?(config: Config): ExtraOutput[];
}
