/**
 * Proxmox: the common Config.Prepare that proxmox, proxmox-iso and proxmox-clone all run
 * (credentials, node, disks, network adapters, boot key interval) and proxmox-iso's boot and
 * additional ISOs, as Packer v1.6.6's builder/proxmox checks them.
 */
import { ConfigReader } from "../../config-reader.js";
import { goUrlParseError } from "../../go-url-error.js";
import { DurationSyntaxError, parseGoDuration } from "../../../template/duration.js";
import { readHttpServerConfig } from "../../vm-config/http-server.js";
import { checkWrittenBootCommand } from "../../vm-config/boot.js";
import { readIsoConfig } from "../../vm-config/iso.js";
import { foldedView } from "../../../template/key-fold.js";
import { required } from "./prepare-rule.js";
import type { PrepareRule } from "./prepare-rule.js";

/** A Go bool or int as mapstructure's weak decoding reads it inside a list of structs. */
const goBool = (v: unknown): boolean => v === true || (typeof v === "number" && v !== 0) || (typeof v === "string" && ["1", "t", "true"].includes(v.trim().toLowerCase()));
const goInt = (v: unknown): number => (typeof v === "number" ? v : typeof v === "string" && /^[-+]?\d+$/.test(v.trim()) ? Number(v.trim()) : 0);
const goString = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : typeof v === "boolean" ? (v ? "1" : "0") : "");
// Each map's keys are found as mapstructure finds a struct's ("Storage_Pool" is storage_pool).
const listOfMaps = (v: unknown): Readonly<Record<string, unknown>>[] => (Array.isArray(v) ? v.map((x) => foldedView((x && typeof x === "object" ? x : {}) as Record<string, unknown>)) : []);

/** Packer 1.6.6's proxmox common Config.Prepare, which proxmox, proxmox-iso and proxmox-clone all run. */
export const proxmoxCommon: PrepareRule = (r) => {
  // A zero interval (unset or "0s") is taken from PACKER_KEY_INTERVAL, which must then parse.
  if (r.duration("boot_key_interval", 0, "decoding") === 0 && process.env.PACKER_KEY_INTERVAL) {
    try {
      parseGoDuration(process.env.PACKER_KEY_INTERVAL);
    } catch (e) {
      if (!(e instanceof DurationSyntaxError)) throw e;
      r.problem(undefined, e.message);
    }
  }
  for (const key of ["disks", "network_adapters", "additional_iso_files", "vga"]) r.checkPackerType(key);
  const scsiController = r.string("scsi_controller", "");
  listOfMaps(r.value("disks")).forEach((d) => {
    if (goBool(d.io_thread)) {
      // io threads need a virtio-scsi-single controller, and then a scsi (the default) or virtio disk
      if (scsiController !== "virtio-scsi-single") r.problem("disks", "io thread option requires virtio-scsi-single controller");
      else if (!["scsi", "virtio"].includes(goString(d.type) || "scsi")) r.problem("disks", "io thread option requires scsi or a virtio disk");
    }
    const poolType = goString(d.storage_pool_type);
    // The pool types whose format the Proxmox API library knows; any other needs one given.
    if (!["zfspool", "lvm", "rbd", "cephfs"].includes(poolType) && goString(d.format) === "") {
      r.problem("disks", `disk format must be specified for pool type ${JSON.stringify(poolType)}`);
    }
  });
  checkWrittenBootCommand(r);
  readHttpServerConfig(r);
  required(r, "username", "username must be specified", "PROXMOX_USERNAME");
  required(r, "password", "password must be specified", "PROXMOX_PASSWORD");
  const url = required(r, "proxmox_url", "proxmox_url must be specified", "PROXMOX_URL");
  const urlError = goUrlParseError(url);
  if (urlError) r.problem("proxmox_url", `Could not parse proxmox_url: ${urlError}`);
  required(r, "node", "node must be specified");
  if (r.string("template_name", "").includes(" ")) r.problem("template_name", "template_name must not contain spaces");
  listOfMaps(r.value("network_adapters")).forEach((a, i) => {
    if (goString(a.bridge) === "") r.problem("network_adapters", `network_adapters[${i}].bridge must be specified`);
    if (goInt(a.packet_queues) > 0 && (goString(a.model) || "e1000") !== "virtio") r.problem("network_adapters", `network_adapters[${i}].packet_queues can only be set for 'virtio' driver`);
  });
  listOfMaps(r.value("disks")).forEach((d, i) => {
    if (goString(d.storage_pool) === "") r.problem("disks", `disks[${i}].storage_pool must be specified`);
    if (goString(d.storage_pool_type) === "") r.problem("disks", `disks[${i}].storage_pool_type must be specified`);
  });
};

/**
 * Packer 1.6.6's proxmox-iso Config.Prepare (the `proxmox` type is the same builder): the common
 * checks, then the boot ISO (iso_file, or iso_url(s) run through ISOConfig) and additional_iso_files.
 */
export const proxmoxIso: PrepareRule = (r, ctx) => {
  proxmoxCommon(r, ctx);
  const from = r.problems.length;
  const isoFile = r.string("iso_file", "");
  // ISOConfig merges iso_url into iso_urls only when it runs, that is without an iso_file.
  const isoUrls = isoFile === "" ? readIsoConfig(r, ctx.cwd, { warn: ctx.warn }).isoUrls : r.stringList("iso_urls");
  if ((isoFile === "") === (isoUrls.length === 0)) r.problem("iso_file", "either iso_file or iso_url, but not both, must be specified");
  const poolMissing = isoUrls.length > 0 && r.string("iso_storage_pool", "") === "";
  if (poolMissing) r.problem("iso_storage_pool", "when specifying iso_url, iso_storage_pool must also be specified");
  const raws = r.raw.config[r.writtenKey("additional_iso_files")];
  listOfMaps(r.value("additional_iso_files")).forEach((iso, i) => {
    const file = goString(iso.iso_file);
    let urls = typeof iso.iso_urls === "string" ? iso.iso_urls.split(",").filter(Boolean) : Array.isArray(iso.iso_urls) ? iso.iso_urls : [];
    if (file === "") {
      // Its own ISOConfig, whose problems Packer prints unprefixed.
      const own = new ConfigReader({ type: r.raw.type, config: (Array.isArray(raws) ? raws[i] : {}) as Record<string, unknown> }, { kind: "builder", interpolation: r.interpolation });
      urls = readIsoConfig(own, ctx.cwd, { warn: ctx.warn }).isoUrls;
      // (Its decoding problems were found already, rendering additional_iso_files above.)
      for (const p of own.problems) if (!p.phase) r.problem("additional_iso_files", p.message);
    }
    const device = goString(iso.device) || "ide3";
    for (const [prefix, bus, max] of [["ide", "IDE", 3], ["sata", "SATA", 5], ["scsi", "SCSI", 30]] as const) {
      if (!device.startsWith(prefix)) continue;
      const index = device.slice(prefix.length);
      const valid = /^[-+]?\d+$/.test(index);
      if (!valid) r.problem("additional_iso_files", `${index} is not a valid bus index`);
      const number = valid ? Number(index) : 0;
      if (prefix === "ide" && number === 2) r.problem("additional_iso_files", "IDE bus 2 is used by boot ISO");
      if (number > max) r.problem("additional_iso_files", `${bus} bus index can't be higher than ${max}`);
    }
    if ((file === "") === (urls.length === 0)) r.problem("additional_iso_files", `either iso_file or iso_url, but not both, must be specified for AdditionalISO file ${device}`);
    // Packer checks the boot ISO's pool again here, once per additional ISO.
    if (poolMissing) r.problem("iso_storage_pool", "when specifying iso_url, iso_storage_pool must also be specified");
  });
  // Checked after the common Prepare returned, so shown even when its decoding failed.
  for (const p of r.problems.slice(from)) p.phase ??= "outer";
};
