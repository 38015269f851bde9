/**
 * Makes one planned volume from its source, as the plugin's volume sources do:
 * - none: an empty volume of `capacity` (the artifact an installer writes to);
 * - `backing-store`: a qcow2 overlay on an existing volume (or on `path`);
 * - `cloning`: a full copy of an existing volume (libvirt's CreateXMLFrom);
 * - `external`: downloaded through the shared download cache, checked, and uploaded;
 * - `cloud-init`: a NoCloud seed ISO (label `cidata`) of meta-data/user-data/network-config;
 * - `files`: an ISO of local files and `contents`.
 * Uploads stream through libvirtd, so they work against a remote libvirt too. A `capacity` larger
 * than what the source gave grows the volume afterwards.
 */
import { mkdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { parseVolumeSize, type LibvirtVolume, type VolumeSource } from "../../../shared/components/builders/libvirt.js";
import type { RunContext } from "../../runner/context.js";
import { downloadIso } from "../common/iso-download/index.js";
import { makeIso } from "../common/make-iso.js";
import { isoCacheDir } from "../common/step-download-iso.js";
import { diskInfo } from "../common/disk-info.js";
import { stageMediaContent, stageMediaFiles } from "../common/media-files.js";
import type { LibvirtConnection, StoragePool, StorageVolume } from "./binding/connection.js";
import { volumeFacts, volumeXml } from "./domain-xml.js";

export async function createVolume(ctx: RunContext, conn: LibvirtConnection, pool: StoragePool, volume: LibvirtVolume, domainName: string): Promise<StorageVolume> {
  const capacity = volume.capacity ? parseVolumeSize(volume.capacity) : undefined;
  const allocation = volume.size ? parseVolumeSize(volume.size) : undefined;
  const source = volume.source;
  if (!source) {
    return pool.createVolume(volumeXml({ name: volume.name, capacityBytes: capacity, allocationBytes: allocation, format: volume.format }));
  }
  let made: StorageVolume;
  switch (source.type) {
    case "backing-store":
      made = await overlayVolume(conn, pool, volume, source, capacity);
      break;
    case "cloning": {
      const from = await (await conn.pool(source.pool)).volume(source.volume);
      try {
        const facts = volumeFacts(await from.xml());
        made = await pool.cloneVolume(volumeXml({ name: volume.name, capacityBytes: facts.capacityBytes, format: volume.format ?? facts.format ?? "qcow2" }), from);
      } finally {
        from.free();
      }
      break;
    }
    case "external": {
      ctx.ui.say(`Retrieving ${source.urls[0]} for volume ${volume.pool}/${volume.name}`);
      const got = await downloadIso({
        urls: source.urls,
        checksum: source.checksum || "none",
        cacheDir: ctx.downloadCacheDir ?? isoCacheDir(ctx.workDir),
        targetExtension: volume.format ?? "img",
        cwd: ctx.workDir,
        signal: ctx.signal,
        say: (m) => ctx.ui.message(m),
      });
      made = await uploadedVolume(ctx, pool, volume, got.path, volume.format ?? (await diskInfo(got.path, ctx.signal)).format);
      break;
    }
    case "cloud-init":
      made = await isoVolume(ctx, pool, volume, "cidata", async (root) => {
        await stageMediaContent("source", cloudInitFiles(source, domainName), root);
      });
      break;
    case "files":
      if (volume.device === "floppy") throw new Error(`volume ${volume.pool}/${volume.name}: a files source on a floppy is not supported yet; use device = "cdrom"`);
      made = await isoVolume(ctx, pool, volume, source.label || undefined, async (root) => {
        await stageMediaFiles("files", source.files, ctx.workDir, root);
        await stageMediaContent("contents", source.contents, root);
      });
      break;
  }
  if (capacity !== undefined) {
    const facts = volumeFacts(await made.xml());
    if (capacity > facts.capacityBytes) {
      ctx.ui.message(`Resizing volume ${volume.pool}/${volume.name} to meet capacity ${volume.capacity}`);
      await made.resize(capacity);
    }
  }
  return made;
}

async function overlayVolume(
  conn: LibvirtConnection,
  pool: StoragePool,
  volume: LibvirtVolume,
  source: Extract<VolumeSource, { type: "backing-store" }>,
  capacity: bigint | undefined,
): Promise<StorageVolume> {
  let backing: { path: string; format: string; capacityBytes: bigint };
  if (source.path) {
    // A file outside any pool: qemu-img tells its format and size (the file is on this host).
    const info = await diskInfo(source.path, new AbortController().signal);
    backing = { path: source.path, format: info.format, capacityBytes: BigInt(info.virtualSize) };
  } else {
    const base = await (await conn.pool(source.pool!)).volume(source.volume!);
    try {
      const facts = volumeFacts(await base.xml());
      backing = { path: facts.path, format: facts.format ?? "qcow2", capacityBytes: facts.capacityBytes };
    } finally {
      base.free();
    }
  }
  return pool.createVolume(volumeXml({
    name: volume.name,
    capacityBytes: capacity !== undefined && capacity > backing.capacityBytes ? capacity : backing.capacityBytes,
    format: "qcow2",
    backing: { path: backing.path, format: backing.format },
  }));
}

async function uploadedVolume(ctx: RunContext, pool: StoragePool, volume: LibvirtVolume, file: string, format: string): Promise<StorageVolume> {
  const size = BigInt((await stat(file)).size);
  const made = await pool.createVolume(volumeXml({ name: volume.name, capacityBytes: size, allocationBytes: size, format }));
  try {
    ctx.ui.message(`Uploading ${path.basename(file)} into volume ${volume.pool}/${volume.name}`);
    await made.upload(file, ctx.signal);
  } catch (e) {
    await made.delete().catch(() => undefined);
    made.free();
    throw e;
  }
  return made;
}

async function isoVolume(ctx: RunContext, pool: StoragePool, volume: LibvirtVolume, label: string | undefined, fill: (root: string) => Promise<void>): Promise<StorageVolume> {
  const dir = path.join(ctx.scratchDir, `volume-${volume.name}`);
  const root = path.join(dir, "root");
  await mkdir(root, { recursive: true });
  try {
    await fill(root);
    const iso = path.join(dir, "image.iso");
    ctx.ui.message(`Assembling ${label === "cidata" ? "CloudInit" : "CD"} image ${volume.pool}/${volume.name}`);
    await makeIso(root, iso, label, ctx.signal, `volume ${volume.name}`);
    return await uploadedVolume(ctx, pool, volume, iso, "raw");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The NoCloud files: meta-data defaults to the domain's name as instance id (the plugin's default). */
export function cloudInitFiles(source: Extract<VolumeSource, { type: "cloud-init" }>, domainName: string): Record<string, string> {
  const files: Record<string, string> = {};
  const metaData = source.metaData ?? `instance-id: ${domainName}\n`;
  if (metaData !== "") files["meta-data"] = metaData;
  if (source.userData !== undefined) files["user-data"] = source.userData;
  if (source.networkConfig !== undefined) files["network-config"] = source.networkConfig;
  return files;
}
