/** Packer's StepSourceAMIInfo: the source image, given by id or found by source_ami_filter. */
import { DescribeImagesCommand, type Filter, type Image } from "@aws-sdk/client-ec2";
import type { RunSettings } from "./state.js";
import type { Step } from "../../runner/steps.js";
import { awsCall } from "./aws-error.js";
import type { Clients, SourceResolved } from "./state.js";

export function stepSourceAmi(config: RunSettings): Step<Clients, SourceResolved> {
  return {
    name: "source ami",
    async run(ctx, state) {
      ctx.ui.say("Inspecting the source AMI...");
      const filter = config.sourceAmiFilter;
      const filters: Filter[] = Object.entries(filter?.filters ?? {}).map(([Name, v]) => ({ Name, Values: [v] }));
      const found = await awsCall("DescribeImages", () =>
        state.ec2.send(new DescribeImagesCommand({
          ImageIds: config.sourceAmi ? [config.sourceAmi] : undefined,
          Owners: filter && filter.owners.length > 0 ? filter.owners : undefined,
          Filters: filters.length > 0 ? filters : undefined,
        }), { abortSignal: ctx.signal }));
      const images = found.Images ?? [];
      if (images.length === 0) {
        const what = config.sourceAmi ? `source_ami ${config.sourceAmi}` : `source_ami_filter ${JSON.stringify({ filters: filter?.filters, owners: filter?.owners })}`;
        throw new Error(`No AMI was found matching ${what} in ${config.access.region}`);
      }
      if (images.length > 1 && !filter?.mostRecent) {
        throw new Error("Your query returned more than one result. Please try a more specific search, or set most_recent to true.");
      }
      const sourceImage = filter?.mostRecent ? mostRecent(images) : images[0]!;
      ctx.ui.message(`Found Image ID: ${sourceImage.ImageId}`);
      return { sourceImage };
    },
  };
}

function mostRecent(images: Image[]): Image {
  return [...images].sort((a, b) => Date.parse(b.CreationDate ?? "") - Date.parse(a.CreationDate ?? ""))[0]!;
}
