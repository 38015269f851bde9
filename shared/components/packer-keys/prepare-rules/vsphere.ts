/**
 * vSphere: vsphere-iso's and vsphere-clone's connection, storage, clone, location and hardware
 * settings, as the Prepare of Packer v1.6.6's builder/vsphere (common, iso and clone configs)
 * checks them. The vsphere and vsphere-template post-processors are in post-processors.ts.
 */
import { required } from "./prepare-rule.js";
import type { ConfigReader } from "../../config-reader.js";
import type { PrepareRule } from "./prepare-rule.js";
import { checkWrittenBootCommand } from "../../vm-config/boot.js";

const vsphereConnect: PrepareRule = (r) => {
  required(r, "vcenter_server", "'vcenter_server' is required");
  required(r, "username", "'username' is required");
  required(r, "password", "'password' is required");
};

/** StorageConfig.Prepare: each `storage` block needs a size and a controller that exists. */
function vsphereStorage(r: ConfigReader, controllers: number): void {
  r.checkPackerType("storage"); // its blocks' keys and types, as finish() checks unread keys
  const storage = r.value("storage");
  (Array.isArray(storage) ? storage : []).forEach((d: Record<string, unknown>, i) => {
    if (!Number(d?.disk_size ?? 0)) r.problem("storage", `storage[${i}].'disk_size' is required`);
    if (Number(d?.disk_controller_index ?? 0) >= controllers) r.problem("storage", `storage[${i}].'disk_controller_index' references an unknown disk controller`);
  });
}

/** LocationConfig and HardwareConfig, shared by vsphere-iso and vsphere-clone. */
const vsphereLocationAndHardware: PrepareRule = (r) => {
  required(r, "vm_name", "'vm_name' is required");
  if (r.string("cluster", "") === "" && r.string("host", "") === "") r.problem("host", "'host' or 'cluster' is required");
  if (r.int("RAM_reservation", 0) > 0 && r.bool("RAM_reserve_all")) r.problem("RAM_reservation", "'RAM_reservation' and 'RAM_reserve_all' cannot be used together");
  const firmware = r.string("firmware", "");
  if (!["", "bios", "efi", "efi-secure"].includes(firmware)) r.problem("firmware", "'firmware' must be '', 'bios', 'efi' or 'efi-secure'");
};

/** Packer 1.6.6's vsphere-iso Prepare: connection, CreateConfig (storage), location, hardware. */
export const vsphereIso: PrepareRule = (r, ctx) => {
  vsphereConnect(r, ctx);
  const storage = r.value("storage");
  if (!Array.isArray(storage) || storage.length === 0) r.problem("storage", "no storage devices have been defined");
  // CreateConfig gives an empty disk_controller_type one (default) controller.
  vsphereStorage(r, Math.max(1, r.stringList("disk_controller_type").length));
  vsphereLocationAndHardware(r, ctx);
  checkWrittenBootCommand(r);
};

/** Packer 1.6.6's vsphere-clone Prepare: connection, CloneConfig, location, hardware. */
export const vsphereClone: PrepareRule = (r, ctx) => {
  vsphereConnect(r, ctx);
  vsphereStorage(r, r.stringList("disk_controller_type").length);
  required(r, "template", "'template' is required");
  if (r.bool("linked_clone") && r.int("disk_size", 0) !== 0) r.problem("linked_clone", "'linked_clone' and 'disk_size' cannot be used together");
  if (r.string("mac_address", "") !== "" && r.string("network", "") === "") r.problem("mac_address", "'network' is required when 'mac_address' is specified");
  vsphereLocationAndHardware(r, ctx);
  checkWrittenBootCommand(r);
};
