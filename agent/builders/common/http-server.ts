/**
 * Packer's installer HTTP server: serves `http_directory` (or the `http_content` map) to a VM
 * installer that fetches its preseed/kickstart over `{{ .HTTPIP }}:{{ .HTTPPort }}`.
 *
 * Bind address: Kiln defaults to 127.0.0.1 where Packer binds 0.0.0.0. QEMU's user-mode network
 * (and VirtualBox NAT) reaches the host's loopback as 10.0.2.2, so loopback is enough for the
 * usual setup, and installer files often hold passwords that should not be served to the whole
 * network a farm agent sits on. Bridged setups set `http_bind_address` explicitly.
 */
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { posix, relative, resolve, sep, isAbsolute } from "node:path";
import type { HttpServerConfig } from "../../../shared/components/vm-config/http-server.js";

export const DEFAULT_HTTP_BIND_ADDRESS = "127.0.0.1";

export interface InstallerHttpOptions {
  /** `http_directory`, resolved against the build's working directory. */
  directory?: string;
  /** `http_content`: URL path → file content. */
  content?: Readonly<Record<string, string>>;
  portMin: number;
  portMax: number;
  bindAddress?: string;
}

export interface InstallerHttpServer {
  bindAddress: string;
  port: number;
  close(): Promise<void>;
}

/** The generated data builders expose: `{{ build "PackerHTTPAddr" }}`, PACKER_HTTP_ADDR, … */
export interface HttpGeneratedData {
  PackerHTTPIP: string;
  PackerHTTPPort: string;
  PackerHTTPAddr: string;
  [key: string]: string;
}

/** `ip` is the address the guest uses to reach the host (10.0.2.2 on QEMU user networking). */
export function httpGeneratedData(ip: string, port: number): HttpGeneratedData {
  return { PackerHTTPIP: ip, PackerHTTPPort: String(port), PackerHTTPAddr: `${ip}:${port}` };
}

export class HttpServerConfigError extends Error {}

// Ports our own servers hold, so two builds of one process never even try the same port.
const portsInUse = new Set<number>();

/**
 * Starts the server on a free port in [portMin, portMax], trying them from a random offset as
 * Packer does. Resolves undefined when there is nothing to serve (no directory, no content).
 */
export async function startInstallerHttpServer(opts: InstallerHttpOptions): Promise<InstallerHttpServer | undefined> {
  const content = opts.content && Object.keys(opts.content).length > 0 ? opts.content : undefined;
  if (opts.directory && content) throw new HttpServerConfigError("http_directory and http_content cannot both be set: choose one");
  if (!opts.directory && !content) return undefined;
  const handler = opts.directory ? await directoryHandler(opts.directory) : contentHandler(content!);
  const bindAddress = opts.bindAddress || DEFAULT_HTTP_BIND_ADDRESS;
  const span = opts.portMax - opts.portMin + 1;
  if (!(span > 0)) throw new HttpServerConfigError(`http_port_min (${opts.portMin}) must not be greater than http_port_max (${opts.portMax})`);
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = opts.portMin + ((start + i) % span);
    if (portsInUse.has(port)) continue;
    portsInUse.add(port);
    const server = createServer((req, res) => {
      handler(req, res).catch(() => send(res, 500, "internal error\n"));
    });
    // A client may half-close after its request (nc, some boot loaders' HTTP stacks); Node
    // would then abort the request unanswered. Go's server, which Packer uses, answers it.
    Object.assign(server, { httpAllowHalfOpen: true }); // not in @types/node, but a documented-by-use http.Server field
    if (await listen(server, port, bindAddress)) {
      return {
        bindAddress,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => {
              portsInUse.delete(port);
              done();
            });
            // An installer may hold keep-alive connections open: close stops listening, this drops them.
            server.closeAllConnections();
          }),
      };
    }
    portsInUse.delete(port);
  }
  throw new Error(`no free port for the HTTP server between http_port_min ${opts.portMin} and http_port_max ${opts.portMax} on ${bindAddress}; widen the range`);
}

function listen(server: Server, port: number, host: string): Promise<boolean> {
  return new Promise((done, fail) => {
    server.once("error", (e: NodeJS.ErrnoException) => (e.code === "EADDRINUSE" || e.code === "EACCES" ? done(false) : fail(new Error(`HTTP server on ${host}:${port}: ${e.message}`))));
    server.listen({ port, host, exclusive: true }, () => done(true));
  });
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function send(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

// The request's path, decoded and cleaned; undefined for methods other than GET/HEAD or bad encodings.
function requestPath(req: IncomingMessage): string | undefined {
  if (req.method !== "GET" && req.method !== "HEAD") return undefined;
  try {
    const raw = new URL(req.url ?? "/", "http://host").pathname;
    return posix.normalize(decodeURIComponent(raw));
  } catch {
    return undefined;
  }
}

async function directoryHandler(directory: string): Promise<Handler> {
  let root: string;
  try {
    root = await realpath(directory);
    if (!(await stat(root)).isDirectory()) throw new Error("not a directory");
  } catch (e) {
    throw new HttpServerConfigError(`http_directory "${directory}": ${(e as Error).message}; give an existing folder`);
  }
  return async (req, res) => {
    const path = requestPath(req);
    if (path === undefined) return send(res, req.method === "GET" || req.method === "HEAD" ? 400 : 405, "bad request\n");
    let file: string;
    try {
      // realpath also resolves symlinks, so a link pointing outside the folder is refused too.
      file = await realpath(resolve(root, "." + path));
    } catch {
      return send(res, 404, "404 page not found\n");
    }
    const rel = relative(root, file);
    if (rel.startsWith(".." + sep) || rel === ".." || isAbsolute(rel)) return send(res, 404, "404 page not found\n");
    const info = await stat(file);
    if (!info.isFile()) return send(res, 404, "404 page not found\n");
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": info.size });
    if (req.method === "HEAD") return void res.end();
    await new Promise<void>((done) => {
      const stream = createReadStream(file);
      stream.on("error", () => { res.destroy(); done(); });
      stream.pipe(res).on("finish", () => done()).on("close", () => done());
    });
  };
}

function contentHandler(content: Readonly<Record<string, string>>): Handler {
  const byPath = new Map(Object.entries(content).map(([k, v]) => [posix.normalize("/" + k.replace(/^\/+/, "")), v]));
  return async (req, res) => {
    const path = requestPath(req);
    const body = path === undefined ? undefined : byPath.get(path);
    if (body === undefined) return send(res, 404, "404 page not found\n");
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": Buffer.byteLength(body) });
    res.end(req.method === "HEAD" ? undefined : body);
  };
}

/**
 * The installer server of a builder whose guest reaches the host through a user-mode NAT (QEMU's
 * user network, VirtualBox's NAT: the host's loopback is 10.0.2.2 to the guest): without
 * `http_bind_address` it listens on 127.0.0.1 (Packer: 0.0.0.0), so the files it serves
 * (preseeds, passwords) are not offered to the whole network. An explicit address, 0.0.0.0
 * included, is kept.
 */
export function loopbackInstallerHttp(http: HttpServerConfig, workDir: string): InstallerHttpOptions {
  return {
    directory: http.httpDirectory ? resolve(workDir, http.httpDirectory) : undefined,
    portMin: http.httpPortMin,
    portMax: http.httpPortMax,
    bindAddress: http.httpBindAddress || "127.0.0.1",
  };
}
