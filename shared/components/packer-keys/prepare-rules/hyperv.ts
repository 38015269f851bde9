/**
 * Hyper-V: hyperv-iso's ISO config and both builders' secondary_iso_images, as Prepare in Packer
 * v1.6.6's builder/hyperv (iso, vmcx and the common config) checks them.
 */
import { goStatErrorIn } from "../../go-stat-error.js";
import { isoBuilder } from "./prepare-rule.js";
import { checkWrittenBootCommand } from "../../vm-config/boot.js";
import type { PrepareRule } from "./prepare-rule.js";

/** Hyper-V's common config: every secondary_iso_images entry must exist (Go's stat; "" does not). */
export const hypervSecondaryIsos: PrepareRule = (r, ctx) => {
  for (const path of r.stringList("secondary_iso_images")) {
    const why = goStatErrorIn(ctx.cwd, path);
    if (why) r.problem("secondary_iso_images", `Secondary Dvd image does not exist: ${why}`);
  }
};

/** Packer 1.6.6's hyperv-iso Prepare: the ISO config, the boot command, then the common config's secondary ISOs. */
export const hypervIso: PrepareRule = (r, ctx) => {
  isoBuilder(r, ctx);
  checkWrittenBootCommand(r);
  hypervSecondaryIsos(r, ctx);
};

/** Packer 1.6.6's hyperv-vmcx Prepare: the boot command, then the common config's secondary ISOs. */
export const hypervVmcx: PrepareRule = (r, ctx) => {
  checkWrittenBootCommand(r);
  hypervSecondaryIsos(r, ctx);
};
