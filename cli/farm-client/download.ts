/**
 * Fetches artifact files from the controller (DownloadArtifact, streamed in chunks) into a
 * folder, at the path the job recorded, verifying size and sha256 before the file takes its
 * place. A path that would land outside the folder is refused: the client never writes where a
 * controller (or an agent) tells it to beyond its working directory.
 */
import { errorMessage } from "../../shared/error-message.js";
import { createHash, type Hash } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { get as httpGet, type IncomingMessage } from "node:http";
import { get as httpsGet } from "node:https";
import { dirname, isAbsolute, join, normalize, sep } from "node:path";
import type { Readable } from "node:stream";
import { status } from "@grpc/grpc-js";
import type { ArtifactChunk, ArtifactFile, ArtifactLinkResponse } from "../../proto/gen/kiln/v1/farm.js";
import { FarmClientError, isServiceError, type FarmConnection } from "./connect.js";
import type { ArtifactStoreReader } from "./artifact-store.js";
import { controllerWentAway } from "./watch.js";

export interface ArtifactFileRequest {
  buildId: string;
  jobIndex: number;
  file: ArtifactFile;
}

/** Where a recorded artifact path goes under `dir`; throws for paths that would escape it. */
export function artifactDestination(dir: string, path: string): string {
  const rel = normalize(path.split("/").join(sep));
  if (path === "" || isAbsolute(path) || isAbsolute(rel) || rel === ".." || rel.startsWith(`..${sep}`)) {
    throw new FarmClientError(`refusing artifact file "${path}": it would be written outside ${dir}`);
  }
  return join(dir, rel);
}

/** Where a file's bytes came from. */
export type DownloadSource = "object store" | "controller's web listener" | "controller's API stream";

/** Downloads one file to `dest` (a full path). Retries a few times if the controller restarts. */
export async function downloadArtifactFile(conn: FarmConnection, req: ArtifactFileRequest, dest: string, options: DownloadOptions = {}): Promise<DownloadSource> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await downloadOnce(conn, req, dest, options);
    } catch (e) {
      if (attempt >= 5 || !(controllerWentAway(e) || e instanceof TransferCut)) throw e instanceof TransferCut ? new FarmClientError(e.message) : conn.explain(e);
      await new Promise((r) => setTimeout(r, 300 * attempt));
    }
  }
}

export interface DownloadOptions {
  /** Always use DownloadArtifact's gRPC stream, even when the controller hands out HTTP links. */
  apiStreamOnly?: boolean;
  /** Read the files straight from the farm's object store when it can (--nats). */
  store?: ArtifactStoreReader;
}

/**
 * Bytes received but not yet written that pause the source. The default (16 KiB, less than one
 * chunk) paused it after every chunk until that chunk was on disk, so receiving and writing took
 * turns; with room for several chunks, writes overlap the transfer and go out together (writev):
 * a 1 GiB object read from the store went from ~240 to ~300 MB/s on this machine.
 */
const WRITE_BUFFER_BYTES = 8 * 1024 * 1024;

async function downloadOnce(conn: FarmConnection, req: ArtifactFileRequest, dest: string, options: DownloadOptions): Promise<DownloadSource> {
  await mkdir(dirname(dest), { recursive: true });
  const part = `${dest}.kiln-part-${process.pid}`;
  const hash = createHash("sha256");
  let size = 0;
  const out = createWriteStream(part, { highWaterMark: WRITE_BUFFER_BYTES });
  try {
    const body = (await options.store?.body(req)) ?? (options.apiStreamOnly ? undefined : await linkedBody(conn, req)) ?? streamedBody(conn, req);
    size = await receive(body, hash, out);
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    const sha256 = hash.digest("hex");
    if (size !== req.file.size || sha256 !== req.file.sha256) {
      throw new FarmClientError(
        `artifact file ${req.file.path} arrived damaged (${size} bytes, sha256 ${sha256}; the agent recorded ${req.file.size} bytes, sha256 ${req.file.sha256}): run \`kiln artifacts ${req.buildId} --download DIR\` to fetch it again`,
      );
    }
    await rename(part, dest);
    return body.from;
  } catch (e) {
    out.destroy();
    await rm(part, { force: true });
    throw e;
  }
}

/** Where a file's bytes come from (the object store, an HTTP response or a DownloadArtifact call), and how to read its items. */
export interface Body {
  from: DownloadSource;
  source: Readable;
  bytesOf(item: unknown): Uint8Array;
  /** Whether the source ended at the end of the file (not cut short). */
  whole(): boolean;
  /** What a failure (or, with undefined, an early end) of the source is thrown as. */
  failure(e: unknown): unknown;
}

/**
 * Everything the source sends, hashed and written to `out` (its back-pressure pauses the source);
 * resolves with the byte count. Data events, not async iteration: the iterator joins buffered
 * chunks into new buffers and adds a promise per chunk, a sixth of the client's CPU per byte.
 */
function receive(body: Body, hash: Hash, out: WriteStream): Promise<number> {
  return new Promise((resolve, reject) => {
    const { source } = body;
    let size = 0;
    let settled = false;
    const settle = (e?: unknown): void => {
      if (settled) return;
      settled = true;
      if (e === undefined) return resolve(size);
      source.destroy();
      reject(e);
    };
    source.on("data", (item: unknown) => {
      const data = body.bytesOf(item);
      hash.update(data);
      size += data.length;
      if (!out.write(data)) {
        source.pause();
        out.once("drain", () => source.resume());
      }
    });
    source.once("end", () => settle(body.whole() ? undefined : body.failure(undefined)));
    source.once("error", (e) => settle(body.failure(e)));
    source.once("close", () => settle(body.failure(undefined)));
    out.once("error", (e) => settle(e));
  });
}

function streamedBody(conn: FarmConnection, req: ArtifactFileRequest): Body {
  const call = conn.downloadArtifact({ buildId: req.buildId, jobIndex: req.jobIndex, path: req.file.path });
  return {
    from: "controller's API stream",
    source: call,
    bytesOf: (item) => (item as ArtifactChunk).data,
    whole: () => true,
    failure: (e) => e ?? new FarmClientError(`the download of ${req.file.path} ended before its end`),
  };
}

/** The URL of a link: the web listener's port and scheme on the host this client reaches the API on. */
export function artifactLinkUrl(conn: FarmConnection, link: ArtifactLinkResponse): string {
  const host = conn.host;
  return `${link.tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${link.port}${link.path}`;
}

/** A transfer that broke off after it started: asked for again (a new link), like a stream cut by a controller restart. */
export class TransferCut extends Error {}

/** Connections that gave no usable link (older controller, no web listener, listener unreachable from here): streamed from then on. */
const linksUnusable = new WeakSet<FarmConnection>();
/** Waiting longer than this for the web listener to answer (or to send more) counts as unreachable (or cut). */
const LINK_TIMEOUT_MS = 30_000;

/**
 * The file's bytes over an ArtifactLink (plain HTTP/1.1 from the controller's web listener: about
 * a third less CPU per byte than the gRPC stream on each end, bench/farm), or undefined when the
 * stream must serve: the controller has no web listener or predates links, or the link does not
 * answer with the file (the stream then gives the same answer with the API's wording).
 */
async function linkedBody(conn: FarmConnection, req: ArtifactFileRequest): Promise<Body | undefined> {
  if (linksUnusable.has(conn)) return undefined;
  let link;
  try {
    link = await conn.artifactLink({ buildId: req.buildId, jobIndex: req.jobIndex, path: req.file.path });
  } catch (e) {
    if (isServiceError(e) && e.code === status.UNIMPLEMENTED) {
      linksUnusable.add(conn);
      return undefined;
    }
    throw e;
  }
  if (link.path === "") {
    linksUnusable.add(conn);
    return undefined;
  }
  const url = artifactLinkUrl(conn, link);
  const res = await new Promise<IncomingMessage | Error>((resolve) => {
    const get = link.tls ? httpsGet : httpGet;
    const request = get(url, { ca: conn.tlsCaPem, timeout: LINK_TIMEOUT_MS, agent: false }, resolve);
    request.once("timeout", () => request.destroy(new Error(`no answer in ${LINK_TIMEOUT_MS / 1000} s`)));
    request.once("error", resolve);
  });
  if (res instanceof Error) {
    linksUnusable.add(conn);
    conn.options.warn(`kiln: the controller's web listener (${hostPortOf(url)}) is not reachable from here (${res.message}): downloading through the API instead, which costs more CPU per byte.`);
    return undefined;
  }
  if (res.statusCode !== 200) {
    res.resume();
    return undefined;
  }
  res.socket.setTimeout(LINK_TIMEOUT_MS, () => res.destroy(new Error(`nothing received for ${LINK_TIMEOUT_MS / 1000} s`)));
  return {
    from: "controller's web listener",
    source: res,
    bytesOf: (item) => item as Buffer,
    whole: () => res.complete,
    failure: (e) => new TransferCut(`the download from ${hostPortOf(url)} broke off${e === undefined ? " before the end" : ` (${errorMessage(e)})`}`),
  };
}

function hostPortOf(url: string): string {
  return new URL(url).host;
}
