/**
 * What a Go-template expression in a Packer JSON template can see. Mirrors the fields of
 * Packer's interpolate.Context so that behaviour can be compared case by case.
 */
export interface InterpolationContext {
  /** `{{build_name}}`; undefined where Packer does not allow it (variable defaults). */
  buildName?: string;
  /** `{{build_type}}`. */
  buildType?: string;
  /** Values of `{{user "x"}}`, already resolved. */
  userVariables: Record<string, string>;
  /** Names declared in `variables`; `{{user}}` of an undeclared name renders "" outside defaults. */
  declaredVariables?: ReadonlySet<string>;
  /** `{{env}}` is only allowed in variable defaults. */
  enableEnv: boolean;
  /** Environment seen by `{{env}}`; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Absolute path of the template file, for `{{template_dir}}`. */
  templatePath?: string;
  /** Working directory, for `{{pwd}}`. */
  cwd?: string;
  /** Dot data: `{{.Path}}`, `{{.Vars}}`, `{{.HTTPIP}}`, … */
  data?: Record<string, unknown>;
  /** Values behind `{{build "ID"}}`; when absent `build` is not defined (as in builder fields). */
  generated?: Record<string, string>;
  /** `{{packer_version}}`; undefined where Packer's console has no version. */
  packerVersion?: string;
  /** Fixed once per process so every build agrees on `{{timestamp}}`. */
  initTime: Date;
  /** Extra functions a component adds (e.g. amazon's `clean_resource_name`). */
  funcs?: Record<string, (...args: unknown[]) => unknown>;
}
