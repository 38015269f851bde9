/**
 * Packer's StepHTTPServer: starts the installer HTTP server before the VM boots and stops it at
 * the end of the build. Gives the port and the generated data (PackerHTTPIP/Port/Addr) that
 * boot_command and provisioners see; with nothing to serve the port is 0, as in Packer.
 */
import type { Step } from "../../runner/steps.js";
import { httpGeneratedData, startInstallerHttpServer, type HttpGeneratedData, type InstallerHttpOptions, type InstallerHttpServer } from "./http-server.js";

export interface HttpServerReady {
  /** The address the guest reaches the server on (e.g. 10.0.2.2). */
  httpIp: string;
  httpPort: number;
  httpGenerated: HttpGeneratedData;
}

export function stepHttpServer(options: InstallerHttpOptions, guestIp: string): Step<object, HttpServerReady> {
  let server: InstallerHttpServer | undefined;
  return {
    name: "http server",
    async run(ctx) {
      server = await startInstallerHttpServer(options);
      const port = server?.port ?? 0;
      if (server) ctx.ui.say(`Starting HTTP server on port ${port}`);
      return { httpIp: guestIp, httpPort: port, httpGenerated: httpGeneratedData(guestIp, port) };
    },
    async cleanup() {
      await server?.close();
      server = undefined;
    },
  };
}
