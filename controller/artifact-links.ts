/**
 * Short-lived links to one artifact file on the controller's web listener (ArtifactLink).
 *
 * Why: DownloadArtifact streams a file through gRPC, and on a small host the HTTP/2 framing on
 * both ends was most of a download's CPU (bench/farm: the same 1 GiB took ~1.2 s less CPU in the
 * client over plain HTTP/1.1). A link is also what curl or a browser can fetch in a CI script.
 *
 * A link names one file of one job of one build and an expiry, signed with HMAC-SHA256 under a
 * key this controller process makes at start: nothing is stored, a link cannot be widened to
 * another file, and a restarted controller's old links stop working (the client asks again).
 * Signing a link needs the read access DownloadArtifact needs; the link carries no token.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { ArtifactLinkResponse, DownloadArtifactRequest } from "../proto/gen/kiln/v1/farm.js";

/** Long enough to start a big download (the check is made once, when the request arrives). */
export const ARTIFACT_LINK_TTL_MS = 10 * 60_000;

/** Where links are served on the web listener. */
export const ARTIFACT_LINK_PREFIX = "/artifact-links/";

export type LinkCheck = { ok: true; request: DownloadArtifactRequest } | { ok: false; reason: string };

export class ArtifactLinks {
  private readonly key = randomBytes(32);

  /** `web`: the web listener's port and scheme; undefined while there is none (no link is made). */
  constructor(private readonly web: () => { port: number; tls: boolean } | undefined) {}

  link(request: DownloadArtifactRequest, now = Date.now()): ArtifactLinkResponse {
    const web = this.web();
    if (!web) return { path: "", port: 0, tls: false, expiresUnixMs: 0 };
    const expires = now + ARTIFACT_LINK_TTL_MS;
    const query = new URLSearchParams({ path: request.path, expires: String(expires), sig: this.sign(request, expires) });
    const path = `${ARTIFACT_LINK_PREFIX}${encodeURIComponent(request.buildId)}/${request.jobIndex}?${query}`;
    return { path, port: web.port, tls: web.tls, expiresUnixMs: expires };
  }

  /** The file a link names, if its signature is this controller's and it has not expired. */
  check(url: URL, now = Date.now()): LinkCheck {
    const m = /^\/artifact-links\/([^/]+)\/(\d+)$/.exec(url.pathname);
    const path = url.searchParams.get("path");
    const expires = Number(url.searchParams.get("expires"));
    const sig = url.searchParams.get("sig") ?? "";
    if (!m || path === null || !Number.isSafeInteger(expires)) return { ok: false, reason: "not an artifact link (expected /artifact-links/BUILD/JOB?path=...&expires=...&sig=...)" };
    let buildId: string;
    try {
      buildId = decodeURIComponent(m[1]!);
    } catch {
      return { ok: false, reason: "not an artifact link (its build ID is not URL-encoded text)" };
    }
    const request: DownloadArtifactRequest = { buildId, jobIndex: Number(m[2]), path };
    const want = Buffer.from(this.sign(request, expires));
    const got = Buffer.from(sig);
    if (got.length !== want.length || !timingSafeEqual(got, want)) {
      return { ok: false, reason: "this artifact link was not made by this controller (or was changed, or the controller restarted since): ask for a new one with `kiln artifacts ID --links`" };
    }
    if (now > expires) return { ok: false, reason: `this artifact link expired at ${new Date(expires).toISOString()}: ask for a new one with \`kiln artifacts ID --links\`` };
    return { ok: true, request };
  }

  private sign(request: DownloadArtifactRequest, expires: number): string {
    // JSON keeps the fields apart: no path can be made to read as another build or job.
    return createHmac("sha256", this.key).update(JSON.stringify([request.buildId, request.jobIndex, request.path, expires])).digest("base64url");
  }
}
