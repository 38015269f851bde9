/** OVF manifests (.mf): one `SHA256 (file) = hex` line per file, the form VirtualBox writes. */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { VBoxManageError } from "./errors.js";

export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

export async function manifestFor(dir: string, names: readonly string[]): Promise<string> {
  const lines: string[] = [];
  for (const n of names) lines.push(`SHA256 (${n}) = ${await sha256File(join(dir, n))}`);
  return lines.join("\n") + "\n";
}

/** Checks every file a manifest lists (SHA1 or SHA256; VirtualBox's and ovftool's spacing). */
export async function verifyManifest(mfPath: string, dir: string): Promise<void> {
  if (!existsSync(mfPath)) return;
  for (const line of readFileSync(mfPath, "utf8").split(/\r?\n/)) {
    if (!line.trim()) continue;
    const m = /^(SHA1|SHA256|SHA512)\s*\((.+)\)\s*=\s*([0-9a-fA-F]+)$/.exec(line.trim());
    if (!m) throw new VBoxManageError(`${mfPath}: unreadable manifest line '${line}'`);
    const [, algo, name, want] = m as unknown as [string, string, string, string];
    const h = createHash(algo.toLowerCase());
    for await (const chunk of createReadStream(join(dir, name))) h.update(chunk as Buffer);
    const got = h.digest("hex");
    if (got.toLowerCase() !== want.toLowerCase()) {
      throw new VBoxManageError(`Appliance import failed: the ${algo} digest of '${name}' does not match the manifest (${got} != ${want})`, "code VBOX_E_FILE_ERROR (0x80bb0004), component ApplianceWrap, interface IAppliance");
    }
  }
}
