/**
 * Packer versions as hashicorp/go-version reads them (`1.6`, `v1.6.6`, `1.7.0-beta1+build`), for
 * `min_packer_version`. Kiln follows Packer 1.6.6's template semantics and reports that version.
 */
export const PACKER_COMPAT_VERSION = "1.6.6";

export interface PackerVersion {
  segments: number[];
  prerelease: string;
  metadata: string;
  /** As go-version prints it: at least three segments (`2` → `2.0.0`). */
  text: string;
}

const VERSION_RE =
  /^v?([0-9]+(?:\.[0-9]+)*?)(?:-([0-9]+[0-9A-Za-z\-~]*(?:\.[0-9A-Za-z\-~]+)*)|(?:-?([A-Za-z\-~]+[0-9A-Za-z\-~]*(?:\.[0-9A-Za-z\-~]+)*)))?(?:\+([0-9A-Za-z\-~]+(?:\.[0-9A-Za-z\-~]+)*))?$/;

export class MalformedVersionError extends Error {}

export function parsePackerVersion(text: string): PackerVersion {
  const m = VERSION_RE.exec(text);
  if (!m) throw new MalformedVersionError(`Malformed version: ${text}`);
  const segments = m[1].split(".").map(Number);
  while (segments.length < 3) segments.push(0);
  const prerelease = m[2] ?? m[3] ?? "";
  const metadata = m[4] ?? "";
  const printed = segments.join(".") + (prerelease ? `-${prerelease}` : "") + (metadata ? `+${metadata}` : "");
  return { segments, prerelease, metadata, text: printed };
}

/** Negative when a < b. A pre-release sorts before its release; metadata is ignored. */
export function comparePackerVersions(a: PackerVersion, b: PackerVersion): number {
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const d = (a.segments[i] ?? 0) - (b.segments[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (a.prerelease === b.prerelease) return 0;
  if (a.prerelease === "") return 1;
  if (b.prerelease === "") return -1;
  return comparePrerelease(a.prerelease, b.prerelease);
}

function comparePrerelease(a: string, b: string): number {
  const pa = a.split(".");
  const pb = b.split(".");
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) return Math.sign(Number(x) - Number(y));
    if (xn) return -1;
    if (yn) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
