/**
 * What every amazon builder does around its steps: resolve the region, refuse keys Kiln cannot run
 * yet, open the SDK clients and close them however the build ends.
 */
import type { AmazonAccessConfig } from "../../../shared/components/builders/amazon-common.js";
import { openClients } from "./clients.js";
import { resolveRegion } from "./ec2-client.js";
import type { Clients } from "./state.js";

export async function runAmazonBuild<C extends { access: AmazonAccessConfig; unsupported: readonly string[] }, T>(
  type: string,
  prepared: C,
  body: (config: C, clients: Clients) => Promise<T>,
): Promise<T> {
  const config = { ...prepared, access: await resolveRegion(prepared.access) };
  if (config.unsupported.length > 0) {
    throw new Error(`${type}: Kiln does not run ${config.unsupported.join(", ")} yet; remove ${config.unsupported.length > 1 ? "them" : "it"} or build with Packer`);
  }
  const clients = await openClients(config.access);
  try {
    return await body(config, clients);
  } finally {
    await clients.destroy();
  }
}
