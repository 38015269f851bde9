/**
 * The SDK clients one amazon build uses: EC2 in the build region, EC2 in each copy region (made
 * once, on first use) and IAM (made on first use); all destroyed when the build ends.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { AmazonAccessConfig } from "../../../shared/components/builders/amazon-common.js";
import { ec2Client, iamClient } from "./ec2-client.js";
import type { Clients } from "./state.js";

export async function openClients(access: AmazonAccessConfig): Promise<Clients & { destroy(): Promise<void> }> {
  const regions = new Map<string, Promise<EC2Client>>();
  const clientFor = (region: string): Promise<EC2Client> => {
    let c = regions.get(region);
    if (!c) regions.set(region, (c = ec2Client(access, region)));
    return c;
  };
  let iam: IAMClient | undefined;
  return {
    ec2: await clientFor(access.region),
    clientFor,
    iam: async () => (iam ??= iamClient(access)),
    async destroy() {
      for (const c of regions.values()) (await c).destroy();
      iam?.destroy();
    },
  };
}
