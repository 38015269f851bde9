/**
 * Containers: lxc's config_file and lxd's image, as Prepare in Packer v1.6.6's builder/lxc and
 * builder/lxd checks them.
 */
import { resolve } from "node:path";
import { goStatError } from "../../go-stat-error.js";
import { required } from "./prepare-rule.js";
import type { PrepareRule } from "./prepare-rule.js";

export const lxc: PrepareRule = (r, ctx) => {
  // Packer stats config_file even when it is empty (and so always fails without one).
  const path = r.string("config_file", "");
  if (path === "" || goStatError(resolve(ctx.cwd, path), path)) {
    r.problem(r.has("config_file") ? "config_file" : undefined, `LXC Config file appears to be missing: ${path}`);
  }
};

export const lxd: PrepareRule = (r) => {
  required(r, "image", "`image` is a required parameter for LXD. Please specify an image by alias or fingerprint. e.g. `ubuntu-daily:x`");
};
