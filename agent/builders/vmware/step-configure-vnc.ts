/**
 * Packer's StepConfigureVNC: VMware's built-in VNC server on a free port in
 * vnc_port_min..vnc_port_max of vnc_bind_address (leased until the build ends, so parallel
 * builds never share one), with a random 8-character password unless vnc_disable_password.
 * The boot command is typed through it; StepCleanVMX switches it off again.
 */
import { errorMessage } from "../../../shared/error-message.js";
import { randomInt } from "node:crypto";
import type { VmwareRunConfig } from "../../../shared/components/builders/vmware-common.js";
import type { Step } from "../../runner/steps.js";
import { leasePort, type PortLease } from "../common/host-ports.js";
import type { VmxReady } from "./state.js";
import { readVmx, writeVmx } from "./vmx-file.js";

export interface VncReady {
  /** Unset when VNC is disabled. */
  vnc?: { ip: string; port: number; password: string };
}

// Packer's alphabet (it has no "7").
const PASSWORD_CHARS = "012345689abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

export function vncPassword(): string {
  return Array.from({ length: 8 }, () => PASSWORD_CHARS[randomInt(PASSWORD_CHARS.length)]).join("");
}

export function stepConfigureVnc(run: VmwareRunConfig, enabled: boolean): Step<VmxReady, VncReady> {
  let lease: PortLease | undefined;
  return {
    name: "configure vnc",
    async run(_ctx, { vmxPath }) {
      if (!enabled) return {};
      const vmx = await readVmx(vmxPath).catch((e: unknown) => {
        throw new Error(`Error reading VMX file: ${errorMessage(e)}`);
      });
      lease = await leasePort(run.vncPortMin, run.vncPortMax, run.vncBindAddress, "vnc_port_min/vnc_port_max");
      const password = run.vncDisablePassword ? "" : vncPassword();
      vmx.set("remotedisplay.vnc.enabled", "TRUE");
      vmx.set("remotedisplay.vnc.port", String(lease.port));
      vmx.set("remotedisplay.vnc.ip", run.vncBindAddress);
      if (password !== "") vmx.set("remotedisplay.vnc.password", password);
      await writeVmx(vmxPath, vmx).catch((e: unknown) => {
        throw new Error(`Error writing VMX data: ${errorMessage(e)}`);
      });
      return { vnc: { ip: run.vncBindAddress, port: lease.port, password } };
    },
    async cleanup() {
      lease?.release();
      lease = undefined;
    },
  };
}
