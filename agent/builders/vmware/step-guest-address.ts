/**
 * Packer's CommHost for VMware: ssh_host when the template sets it; else the addresses the VM's
 * network's DHCP leases give its MAC (ethernet0.address, or the generatedAddress VMware writes
 * at power-on), the first that accepts a TCP connection on the SSH port. Asked again every
 * 2 s until ssh_timeout, as StepConnect retries CommHost.
 */
import { errorMessage } from "../../../shared/error-message.js";
import { createConnection } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { CommunicatorConfig } from "../../../shared/components/communicator/ssh.js";
import type { Step } from "../../runner/steps.js";
import { normalizeMac } from "./network-files.js";
import { customDevice } from "./step-http-server.js";
import type { VmStarted } from "./step-run.js";
import type { DriverReady, VmxReady } from "./state.js";
import { readVmx } from "./vmx-file.js";

const RETRY_MS = 2_000;

export interface GuestAddress {
  /** Where the communicator connects; "" without one. */
  commHost: string;
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host, port, timeout: 5_000 });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.once("connect", () => done(true));
    sock.once("error", () => done(false));
    sock.once("timeout", () => done(false));
  });
}

/** Packer's GuestAddress: the MAC of ethernet0. */
async function guestMac(vmxPath: string): Promise<string> {
  const vmx = await readVmx(vmxPath);
  const mac = vmx.get("ethernet0.address") || vmx.get("ethernet0.generatedaddress");
  if (!mac) throw new Error("couldn't find MAC address in VMX");
  return normalizeMac(mac);
}

export function stepGuestAddress(communicator: CommunicatorConfig): Step<DriverReady & VmxReady & VmStarted, GuestAddress> {
  return {
    name: "guest address",
    async run(ctx, { vmware, vmxPath, network }) {
      if (communicator.type !== "ssh") return { commHost: "" };
      const { host, port, timeoutMs } = communicator.ssh;
      if (host !== "") return { commHost: host };
      const deadline = Date.now() + timeoutMs;
      let why = "";
      while (Date.now() < deadline) {
        try {
          const ips = await vmware.guestIps(network, await guestMac(vmxPath), () => customDevice(vmxPath));
          for (const ip of ips) if (await answers(ip, port)) return { commHost: ip };
          why = `Host is not up (leases: ${ips.join(", ")})`;
        } catch (e) {
          why = `IP lookup failed: ${errorMessage(e)}`;
        }
        await sleep(RETRY_MS, undefined, { signal: ctx.signal });
      }
      throw new Error(`Timeout waiting for the guest's address (ssh_timeout ${timeoutMs / 1000}s): ${why}`);
    },
  };
}
