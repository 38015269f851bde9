/**
 * Packer's StepNetworkInfo: the VPC, subnet and availability zone the instance launches in —
 * given (vpc_id, subnet_id, availability_zone), or found by vpc_filter / subnet_filter (a subnet
 * filter matching several needs most_free or random, as in Packer), and a given subnet's VPC and
 * zone looked up. Nothing to clean up: it only reads.
 */
import { DescribeSubnetsCommand, DescribeVpcsCommand, type Filter, type Subnet } from "@aws-sdk/client-ec2";
import type { RunSettings } from "./state.js";
import type { Step } from "../../runner/steps.js";
import { awsCall } from "./aws-error.js";
import type { Clients, NetworkResolved } from "./state.js";

export function ec2Filters(filters: Record<string, string>): Filter[] {
  return Object.entries(filters).map(([Name, value]) => ({ Name, Values: [value] }));
}

export function stepNetworkInfo(config: RunSettings): Step<Clients, NetworkResolved> {
  return {
    name: "network info",
    async run(ctx, state) {
      let vpcId = config.vpcId;
      let subnetId = config.subnetId;
      let availabilityZone = config.availabilityZone;

      if (!vpcId && config.vpcFilter) {
        const found = await awsCall("DescribeVpcs", () => state.ec2.send(new DescribeVpcsCommand({ Filters: ec2Filters(config.vpcFilter!) }), { abortSignal: ctx.signal }));
        const vpcs = found.Vpcs ?? [];
        if (vpcs.length !== 1) {
          throw new Error(`Exactly one VPC should match the filter, but ${vpcs.length} VPC's was found matching filters: ${JSON.stringify(config.vpcFilter)}`);
        }
        vpcId = vpcs[0]!.VpcId;
        ctx.ui.message(`Found VPC ID: ${vpcId}`);
      }

      if (!subnetId && config.subnetFilter) {
        const filters = { ...config.subnetFilter.filters, state: "available", ...(vpcId ? { "vpc-id": vpcId } : {}), ...(availabilityZone ? { availabilityZone } : {}) };
        const found = await awsCall("DescribeSubnets", () => state.ec2.send(new DescribeSubnetsCommand({ Filters: ec2Filters(filters) }), { abortSignal: ctx.signal }));
        const subnets = found.Subnets ?? [];
        if (subnets.length === 0) throw new Error(`No Subnets was found matching filters: ${JSON.stringify(filters)}`);
        const { mostFree, random } = config.subnetFilter;
        if (subnets.length > 1 && !mostFree && !random) {
          throw new Error(`Your filter matched ${subnets.length} Subnets. Please try a more specific search, or set random or most_free to true.`);
        }
        const chosen: Subnet = mostFree ? mostFreeSubnet(subnets) : random ? subnets[Math.floor(Math.random() * subnets.length)]! : subnets[0]!;
        subnetId = chosen.SubnetId;
        ctx.ui.message(`Found Subnet ID: ${subnetId}`);
      }

      if (subnetId && (!availabilityZone || !vpcId)) {
        const found = await awsCall("DescribeSubnets", () => state.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId!] }), { abortSignal: ctx.signal }));
        const subnet = found.Subnets?.[0];
        if (!subnet) throw new Error(`Describing the subnet: ${subnetId} returned no subnet.`);
        availabilityZone ||= subnet.AvailabilityZone;
        vpcId ||= subnet.VpcId;
      }
      return { network: { vpcId, subnetId, availabilityZone } };
    },
  };
}

/** The subnet with the most free addresses (the first of equals), as Packer's mostFreeSubnet. */
function mostFreeSubnet(subnets: Subnet[]): Subnet {
  return subnets.reduce((best, s) => ((s.AvailableIpAddressCount ?? 0) > (best.AvailableIpAddressCount ?? 0) ? s : best));
}
