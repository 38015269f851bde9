/**
 * Packer's StepHTTPIPDiscover and StepHTTPServer for VMware. The guest reaches the host at the
 * host's address on the VM's vmnet network (the `host vmnetN` fixed-address of its dhcpd.conf):
 * that is `{{ .HTTPIP }}`. The server listens on http_bind_address when given; else on that
 * address when this host holds it (a real vmnet interface), else on loopback: a NAT that owns
 * the address itself and forwards it to the host's loopback (QEMU's user network behind the
 * test stand-in) reaches it there, and loopback serves nothing to the outside network.
 */
import { errorMessage } from "../../../shared/error-message.js";
import { networkInterfaces } from "node:os";
import path from "node:path";
import type { HttpServerConfig } from "../../../shared/components/vm-config/http-server.js";
import type { Step } from "../../runner/steps.js";
import { DEFAULT_HTTP_BIND_ADDRESS, httpGeneratedData, startInstallerHttpServer, type InstallerHttpServer } from "../common/http-server.js";
import type { HttpServerReady } from "../common/step-http-server.js";
import type { DriverReady, VmxReady } from "./state.js";
import { readVmx } from "./vmx-file.js";

/** Packer's readCustomDeviceName: the vmnet device of a `custom` ethernet0. */
export async function customDevice(vmxPath: string): Promise<string> {
  const vmx = await readVmx(vmxPath);
  const type = vmx.get("ethernet0.connectiontype");
  if (type !== "custom") throw new Error(`Unable to determine the device name for the connection type : ${type ?? ""}`);
  const device = vmx.get("ethernet0.vnet");
  if (!device) throw new Error(`Unable to determine the device name for the connection type "${type}" : ${device ?? ""}`);
  return device;
}

function hostHolds(address: string): boolean {
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === address));
}

export function stepHttpServer(http: HttpServerConfig): Step<DriverReady & VmxReady, HttpServerReady> {
  let server: InstallerHttpServer | undefined;
  return {
    name: "http server",
    async run(ctx, { vmware, vmxPath, network }) {
      const hostIp = await vmware.hostIp(network, () => customDevice(vmxPath)).catch((e: unknown) => {
        throw new Error(`Error detecting host IP: ${errorMessage(e)}`);
      });
      const bindAddress = http.httpBindAddress || (hostHolds(hostIp) ? hostIp : DEFAULT_HTTP_BIND_ADDRESS);
      server = await startInstallerHttpServer({
        directory: http.httpDirectory ? path.resolve(ctx.workDir, http.httpDirectory) : undefined,
        portMin: http.httpPortMin,
        portMax: http.httpPortMax,
        bindAddress,
      });
      const port = server?.port ?? 0;
      if (server) ctx.ui.say(`Starting HTTP server on port ${port}`);
      return { httpIp: hostIp, httpPort: port, httpGenerated: httpGeneratedData(hostIp, port) };
    },
    async cleanup() {
      await server?.close();
      server = undefined;
    },
  };
}
