/**
 * Vagrant: the vagrant builder's communicator, source box or global_id, teardown method and
 * synced folder, as Prepare in Packer v1.6.6's builder/vagrant checks them. The vagrant-cloud
 * post-processor is in post-processors.ts.
 */
import { resolve } from "node:path";
import { goStatError } from "../../go-stat-error.js";
import { goUrlParseError } from "../../go-url-error.js";
import type { PrepareRule } from "./prepare-rule.js";

/** Packer 1.6.6's vagrant builder Prepare (it never runs the communicator's own checks). */
export const vagrantBuilder: PrepareRule = (r, ctx) => {
  // No default: Packer sets "ssh" only in the communicator checks this builder skips.
  if (r.string("communicator", "") !== "ssh") r.problem("communicator", `The Vagrant builder currently only supports the ssh communicator"`);
  const source = r.string("source_path", "");
  const globalId = r.string("global_id", "");
  if (source === "") {
    if (globalId === "") r.problem("source_path", "source_path is required unless you have set global_id");
  } else {
    if (globalId !== "") r.problem("global_id", "You may either set global_id or source_path but not both");
    // A local .box (no scheme, or file:) must exist; a box name or a remote URL is fetched later.
    const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(source)?.[0].slice(0, -1).toLowerCase() ?? "";
    if (source.endsWith(".box") && !goUrlParseError(source) && (scheme === "" || scheme === "file")) {
      const why = goStatError(resolve(ctx.cwd, source), source);
      if (why) r.problem("source_path", `Source box '${source}' needs to exist at time of config validation! ${why}`);
    }
  }
  const teardown = r.string("teardown_method", "");
  if (teardown !== "" && !["halt", "suspend", "destroy"].includes(teardown.toLowerCase())) {
    r.problem("teardown_method", `TeardownMethod must be "halt", "suspend", or "destroy"`);
  }
  const syncedFolder = r.string("synced_folder", "");
  if (syncedFolder !== "" && goStatError(resolve(ctx.cwd, syncedFolder), syncedFolder)) {
    r.problem("synced_folder", `synced_folder "${resolve(ctx.cwd, syncedFolder)}" does not exist on the Packer host.`);
  }
};
