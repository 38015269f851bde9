/**
 * Post-processors: the settings each one requires (with their environment fallbacks) for
 * alicloud-import, digitalocean-import, exoscale-import, googlecompute-export,
 * googlecompute-import, vagrant-cloud, vsphere and vsphere-template, as Configure in Packer
 * v1.6.6's post-processor/<name> checks them. amazon-import is in amazon.ts.
 */
import { required } from "./prepare-rule.js";
import type { PrepareRule } from "./prepare-rule.js";

/** Packer's `templates := map[string]*string{…}` loops: every listed key must be non-empty. */
function allSet(keys: readonly string[], env: Record<string, string> = {}): PrepareRule {
  return (r) => {
    for (const key of keys) required(r, key, `${key} must be set`, env[key]);
  };
}

export const alicloudImport = allSet(["oss_bucket_name"]);

export const digitaloceanImport: PrepareRule = (r, ctx) => {
  allSet(["api_token", "spaces_key", "spaces_secret", "spaces_region", "space_name", "image_name"], {
    api_token: "DIGITALOCEAN_API_TOKEN", spaces_key: "DIGITALOCEAN_SPACES_ACCESS_KEY", spaces_secret: "DIGITALOCEAN_SPACES_SECRET_KEY",
  })(r, ctx);
  if (r.stringList("image_regions").length === 0) r.problem("image_regions", "image_regions must be set");
};

export const exoscaleImport: PrepareRule = (r, ctx) => {
  // api_endpoint, sos_endpoint and template_zone have defaults in Packer.
  allSet(["api_key", "api_secret", "image_bucket", "template_name", "template_description"], { api_key: "EXOSCALE_API_KEY", api_secret: "EXOSCALE_API_SECRET" })(r, ctx);
};

export const googlecomputeExport: PrepareRule = (r) => {
  if (r.stringList("paths").length === 0) r.problem("paths", "paths must be specified");
};

export const googlecomputeImport = allSet(["bucket", "image_name", "project_id"]);

export const vagrantCloud: PrepareRule = (r, ctx) => {
  allSet(["box_tag", "version"])(r, ctx);
  const url = r.string("vagrant_cloud_url", "");
  const token = r.string("access_token", "") || process.env.VAGRANT_CLOUD_TOKEN || process.env.ATLAS_TOKEN || "";
  if (token === "" && (url === "" || url === "https://vagrantcloud.com/api/v1")) {
    r.problem("access_token", "access_token must be set if vagrant_cloud_url has not been overriden");
  }
};

export const vspherePostProcessor = allSet(["cluster", "datacenter", "host", "password", "username", "vm_name"]);

export const vsphereTemplate = allSet(["host", "username", "password"]);
