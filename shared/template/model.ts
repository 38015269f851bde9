import type { RawComponent } from "../components/raw-component.js";
import type { SourcePosition } from "./position.js";

/**
 * A Packer JSON template after decoding (syntax checked, common keys taken out), before
 * variables are resolved and components prepared. Plain data: it can be serialised.
 */
export interface Template {
  /** Absolute path of the template file. */
  file: string;
  /** The path as the user gave it, for messages. */
  displayPath: string;
  description?: string;
  minPackerVersion?: string;
  /** In template order. */
  variables: VariableDecl[];
  sensitiveVariables: string[];
  builders: BuilderDecl[];
  provisioners: ProvisionerDecl[];
  errorCleanupProvisioner?: ProvisionerDecl;
  /** Each entry is one chain; a lone post-processor is a chain of one. */
  postProcessors: PostProcessorDecl[][];
  /** Where each root key (`builders`, `min_packer_version`, …) is written, for later messages. */
  keyPositions?: Record<string, SourcePosition>;
}

export interface VariableDecl {
  name: string;
  /** Undefined when the default is null: the variable is required. */
  default?: string;
  required: boolean;
  position?: SourcePosition;
}

export interface BuilderDecl {
  /** `name`, or the type when unnamed. Not yet interpolated. */
  name: string;
  type: string;
  raw: RawComponent;
  position?: SourcePosition;
}

export interface ProvisionerDecl {
  type: string;
  raw: RawComponent;
  only: string[];
  except: string[];
  /** build name → keys merged over `raw.config` for that build. */
  override: Record<string, Record<string, unknown>>;
  pauseBeforeMs: number;
  maxRetries: number;
  /**
   * `max_retries` as written when it is not a plain integer (e.g. ``{{user `retries`}}``): the
   * planner interpolates it per build, as Packer does, and `maxRetries` is then 0.
   */
  maxRetriesText?: string;
  timeoutMs: number;
  position?: SourcePosition;
}

export interface PostProcessorDecl {
  type: string;
  name?: string;
  raw: RawComponent;
  only: string[];
  except: string[];
  /** Undefined: the post-processor's own default applies. */
  keepInputArtifact?: boolean;
  position?: SourcePosition;
}
