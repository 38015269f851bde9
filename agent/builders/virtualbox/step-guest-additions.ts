/**
 * Packer's StepDownloadGuestAdditions and StepUploadGuestAdditions. With guest_additions_mode
 * attach or upload, the ISO is: guest_additions_url (rendered with `{{ .Version }}`) when set;
 * else the one VirtualBox ships (`list systemproperties`: "Default Guest Additions ISO"); else
 * download.virtualbox.org's for this version, checked against the SHA256SUMS published beside it.
 * Downloads land in the shared ISO cache. Upload mode copies it into the guest at
 * guest_additions_path; attach mode mounts it (step-attach-media).
 */
import { errorMessage } from "../../../shared/error-message.js";
import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { render } from "../../../shared/template/interpolate/index.js";
import type { VirtualBoxCommonConfig as Config } from "../../../shared/components/builders/virtualbox-common.js";
import type { Step } from "../../runner/steps.js";
import type { Connected } from "../common/step-connect.js";
import { downloadIso } from "../common/iso-download/index.js";
import { isoCacheDir } from "../common/step-download-iso.js";
import type { DriverReady } from "./state.js";

export interface GuestAdditionsReady {
  /** The ISO on this host, when guest_additions_mode is upload. */
  guestAdditionsUpload?: string;
  /** The ISO on this host, when guest_additions_mode is attach. */
  guestAdditionsAttach?: string;
}

export function stepDownloadGuestAdditions(config: Config): Step<DriverReady, GuestAdditionsReady> {
  return {
    name: "download guest additions",
    async run(ctx, { vbox, vboxVersion }) {
      const { mode, url: urlTemplate, sha256 } = config.guestAdditions;
      if (mode === "disable") return {};
      const data = { ...ctx.prepare.interpolation.data, Version: vboxVersion };
      let url = urlTemplate ? render(urlTemplate, { ...ctx.prepare.interpolation, data }) : "";
      let checksum = sha256 ? `sha256:${sha256}` : "none";
      if (!url) {
        const bundled = parseDefaultAdditionsIso(await vbox.run(["list", "systemproperties"], ctx.signal).catch(() => ""));
        if (bundled && (await access(bundled).then(() => true, () => false))) {
          ctx.ui.message(`Using the guest additions ISO VirtualBox ships: ${bundled}`);
          return mode === "upload" ? { guestAdditionsUpload: bundled } : { guestAdditionsAttach: bundled };
        }
        url = `https://download.virtualbox.org/virtualbox/${vboxVersion}/VBoxGuestAdditions_${vboxVersion}.iso`;
        if (!sha256) checksum = await publishedChecksum(vboxVersion, ctx.signal);
      }
      ctx.ui.say("Retrieving Guest additions");
      const got = await downloadIso({
        urls: [url], checksum, cacheDir: ctx.downloadCacheDir ?? isoCacheDir(ctx.workDir), targetExtension: "iso", cwd: ctx.workDir,
        signal: ctx.signal, say: (m) => ctx.ui.message(m),
      });
      return mode === "upload" ? { guestAdditionsUpload: got.path } : { guestAdditionsAttach: got.path };
    },
  };
}

export function stepUploadGuestAdditions(config: Config): Step<DriverReady & Connected & GuestAdditionsReady, object> {
  return {
    name: "upload guest additions",
    async run(ctx, { comm, vboxVersion, guestAdditionsUpload }) {
      if (config.guestAdditions.mode !== "upload" || !guestAdditionsUpload) return {};
      const data = { ...ctx.prepare.interpolation.data, Version: vboxVersion };
      const target = render(config.guestAdditions.path, { ...ctx.prepare.interpolation, data });
      ctx.ui.say("Uploading VirtualBox guest additions ISO...");
      await comm.upload(target, createReadStream(guestAdditionsUpload)).catch((e: unknown) => {
        throw new Error(`Error uploading guest additions: ${errorMessage(e)}`);
      });
      return {};
    },
  };
}

/** Packer's StepUploadVersion: the VirtualBox version in virtualbox_version_file (default .vbox_version). */
export function stepUploadVersion(config: Config): Step<DriverReady & Connected, object> {
  return {
    name: "upload version",
    async run(ctx, { comm, vboxVersion }) {
      if (config.versionFile === "" || config.communicator.type === "none") return {};
      ctx.ui.say(`Uploading VirtualBox version info (${vboxVersion})`);
      await comm.upload(config.versionFile, Buffer.from(vboxVersion)).catch((e: unknown) => {
        throw new Error(`Error uploading VirtualBox version: ${errorMessage(e)}`);
      });
      return {};
    },
  };
}

function parseDefaultAdditionsIso(systemProperties: string): string | undefined {
  const m = /^Default Guest Additions ISO:(.+)$/m.exec(systemProperties);
  const iso = m?.[1]?.trim();
  return iso ? iso : undefined;
}

/** The guest additions ISO's sha256 from download.virtualbox.org's SHA256SUMS for `version`. */
async function publishedChecksum(version: string, signal: AbortSignal): Promise<string> {
  const sumsUrl = `https://download.virtualbox.org/virtualbox/${version}/SHA256SUMS`;
  const res = await fetch(sumsUrl, { signal }).catch((e: unknown) => {
    throw new Error(`Error downloading guest additions checksums from ${sumsUrl}: ${errorMessage(e)} (set guest_additions_url/guest_additions_sha256, or guest_additions_mode = "disable")`);
  });
  if (!res.ok) throw new Error(`Error downloading guest additions checksums from ${sumsUrl}: HTTP ${res.status}`);
  const line = (await res.text()).split("\n").find((l) => l.trim().endsWith(`VBoxGuestAdditions_${version}.iso`));
  const hash = line?.trim().split(/\s+/)[0];
  if (!hash || !/^[0-9a-f]{64}$/i.test(hash)) throw new Error(`Couldn't find checksum for VBoxGuestAdditions_${version}.iso in ${sumsUrl}`);
  return `sha256:${hash.toLowerCase()}`;
}
