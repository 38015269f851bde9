import { NO_SHUTDOWN_COMMAND_WARNING } from "../vm-config/shutdown.js";
import { ConfigReader } from "../config-reader.js";
import type { BuilderSchema } from "../types.js";
import { readVirtualBoxCommon, VIRTUALBOX_RENDER_LATER, type VirtualBoxCommonConfig } from "./virtualbox-common.js";

/** Packer 1.6.6's `virtualbox-ovf` builder: imports an OVF/OVA, then builds as virtualbox-iso does. */
export interface Config extends VirtualBoxCommonConfig {
  /** The OVF/OVA: a path or URL, fetched (or used in place) and checked like an ISO. */
  sourcePath: string;
  /** `none`/"" (no check) or `type:hex`, as iso_checksum. */
  checksum: string;
  targetPath?: string;
  /** Extra `VBoxManage import` flags; `import_opts` becomes `--options VALUE`, as Packer does. */
  importFlags: string[];
}

export const schema: BuilderSchema<Config> = {
  kind: "builder",
  type: "virtualbox-ovf",
  needs: ["virtualbox"],
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "builder", interpolation: ctx.interpolation, renderLater: VIRTUALBOX_RENDER_LATER });
    const buildName = ctx.interpolation.buildName ?? "virtualbox-ovf";
    const common = readVirtualBoxCommon(r, ctx, { buildName, guestAdditionsInterface: () => "ide" });
    const sourcePath = r.string("source_path", "");
    if (sourcePath === "") r.problem("source_path", "source_path is required");
    const importFlags = r.stringList("import_flags");
    const importOpts = r.string("import_opts", "");
    if (importOpts !== "") importFlags.push("--options", importOpts);
    const config: Config = {
      ...common,
      sourcePath,
      checksum: r.string("checksum", "") || "none",
      targetPath: r.string("target_path", "") || undefined,
      importFlags,
    };
    // Packer warns before it reports errors: the warning stands beside them (HCL shows both).
    if (!config.shutdownCommand) ctx.warn?.(NO_SHUTDOWN_COMMAND_WARNING);
    r.finish();
    return config;
  },
};
