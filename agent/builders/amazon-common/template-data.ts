/**
 * Packer renders tags, snapshot_tags and run_tags with the source AMI's data: `{{ .SourceAMI }}`,
 * `{{ .BuildRegion }}`, `{{ .SourceAMIName }}`, `{{ .SourceAMIOwner }}`…
 */
import { errorMessage } from "../../../shared/error-message.js";
import type { Image } from "@aws-sdk/client-ec2";
import { render } from "../../../shared/template/interpolate/index.js";
import type { RunContext } from "../../runner/context.js";

export function sourceAmiData(region: string, image: Image): Record<string, string> {
  return {
    BuildRegion: region,
    SourceAMI: image.ImageId ?? "",
    SourceAMIName: image.Name ?? "",
    SourceAMIOwner: image.OwnerId ?? "",
    SourceAMIOwnerName: image.ImageOwnerAlias ?? "",
    SourceAMICreationDate: image.CreationDate ?? "",
  };
}

export function renderTags(ctx: RunContext, key: string, tags: Record<string, string>, data: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    const interpolation = { ...ctx.prepare.interpolation, data };
    try {
      out[render(k, interpolation)] = render(v, interpolation);
    } catch (e) {
      throw new Error(`${key}.${k}: ${errorMessage(e)}`);
    }
  }
  return out;
}
