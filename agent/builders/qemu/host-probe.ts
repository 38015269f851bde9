/**
 * What the qemu builder needs from a host (its schema's `needs`): a `qemu-system-*` on PATH
 * (`qemu`), `qemu-img`, and real hardware virtualisation (`kvm`, optional: TCG works without).
 */
import { join } from "node:path";
import { binariesOnPath, findOnPath, type HostCapabilityProbe } from "../../host-probe/index.js";
import { probeKvm } from "./kvm-probe.js";

export const probeQemuHost: HostCapabilityProbe = async (ctx) => {
  const systems = await binariesOnPath(ctx.env, (name) => /^qemu-system-[A-Za-z0-9_]+$/.test(name));
  const img = await findOnPath(ctx.env, "qemu-img");
  const kvm = await probeKvm(ctx.sysModuleDir, join(ctx.devDir, "kvm"));
  return [
    { capability: "qemu", ok: systems.length > 0, why: systems.length > 0 ? systems.join(", ") : "no qemu-system-* on PATH" },
    { capability: "qemu-img", ok: img !== undefined, why: img ?? "no qemu-img on PATH" },
    { capability: "kvm", ok: kvm.ok, why: kvm.why },
  ];
};
