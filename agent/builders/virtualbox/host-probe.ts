/** The `virtualbox` capability: VBoxManage answers `--version` with a version (its kernel driver loaded). */
import { errorMessage } from "../../../shared/error-message.js";
import type { HostCapabilityProbe } from "../../host-probe/index.js";
import { findVBoxManage, VBoxManage } from "./vboxmanage.js";

export const probeVirtualBoxHost: HostCapabilityProbe = async (ctx) => {
  const binary = await findVBoxManage(ctx.env);
  if (!binary) return [{ capability: "virtualbox", ok: false, why: "no VBoxManage on PATH or in VBOX_INSTALL_PATH" }];
  try {
    const version = await new VBoxManage({ binary, env: ctx.env }).version(AbortSignal.timeout(30_000));
    return [{ capability: "virtualbox", ok: true, why: `${binary} ${version}` }];
  } catch (e) {
    return [{ capability: "virtualbox", ok: false, why: `${binary} --version: ${errorMessage(e)}` }];
  }
};
