import { ConfigReader } from "../config-reader.js";
import type { ComponentSchema } from "../types.js";

/** Packer's `manifest` post-processor: records each build's artifact in a JSON file. */
export interface Config {
  /** Where the manifest goes, relative to the working directory (already interpolated). */
  output: string;
  stripPath: boolean;
  stripTime: boolean;
  /** Undefined when the template has none: Packer then writes `"custom_data": null`. */
  customData?: Record<string, string>;
  /**
   * `-force`: start a new manifest when the file was written by another run. Packer passes it to
   * every plugin as `packer_force`; the runner may add that key to the raw config the same way.
   */
  force: boolean;
}

export const schema: ComponentSchema<Config> = {
  kind: "post-processor",
  type: "manifest",
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "post-processor", interpolation: ctx.interpolation });
    const output = r.string("output", "packer-manifest.json");
    const stripPath = r.bool("strip_path");
    const stripTime = r.bool("strip_time");
    const customData = r.has("custom_data") && r.value("custom_data") !== null ? r.stringMap("custom_data") : undefined;
    const force = r.bool("packer_force");
    r.finish();
    return { output, stripPath, stripTime, customData, force };
  },
};
