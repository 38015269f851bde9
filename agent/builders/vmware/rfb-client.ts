/**
 * A minimal RFB (VNC) client: handshake (3.3, 3.7, 3.8), None or VNC authentication, ClientInit,
 * then KeyEvent messages. That is all typing a boot command needs, as Packer's go-vnc use shows.
 *
 * Why not a library: the npm VNC clients are noVNC and its forks, written for browsers over
 * WebSocket; the Node-native ones (rfb2, vnc-rfb-client) are unmaintained and pull in framebuffer
 * decoding Kiln never uses. This file is the whole protocol Kiln needs, in one reviewable place.
 *
 * VNC authentication is DES of the server's challenge keyed by the password with each byte's
 * bits reversed. Node's OpenSSL 3 has no single DES, so triple DES with three equal keys (which
 * is single DES by construction) does it.
 */
import { createCipheriv } from "node:crypto";
import { connect, type Socket } from "node:net";

export class RfbError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RfbError";
  }
}

export interface RfbConnectOptions {
  host: string;
  port: number;
  /** "" or undefined: None authentication. */
  password?: string;
  /** Ask the server to drop other clients (Packer connects exclusively). */
  exclusive?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

const SECURITY_NONE = 1;
const SECURITY_VNC = 2;

/** The 16-byte answer to a VNC authentication challenge. */
export function vncAuthResponse(password: string, challenge: Buffer): Buffer {
  const key = Buffer.alloc(8);
  Buffer.from(password, "latin1").copy(key, 0, 0, 8);
  for (let i = 0; i < 8; i++) key[i] = reverseBits(key[i]!);
  const cipher = createCipheriv("des-ede3-ecb", Buffer.concat([key, key, key]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(challenge), cipher.final()]);
}

function reverseBits(b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
  return r;
}

/** Reads exact byte counts from a socket as they arrive. */
class SocketReader {
  private buffered = Buffer.alloc(0);
  private waiting?: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void };
  private failure?: Error;

  constructor(socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      this.serve();
    });
    const fail = (e: Error): void => {
      this.failure ??= e;
      const w = this.waiting;
      this.waiting = undefined;
      w?.reject(this.failure);
    };
    socket.on("error", fail);
    socket.on("close", () => fail(new RfbError("the VNC server closed the connection")));
  }

  read(n: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting = { n, resolve, reject };
      this.serve();
    });
  }

  /** After the handshake the server may still send (bell, clipboard): nobody reads it. */
  discard(): void {
    this.buffered = Buffer.alloc(0);
  }

  private serve(): void {
    const w = this.waiting;
    if (!w) return;
    if (this.buffered.length >= w.n) {
      this.waiting = undefined;
      const out = this.buffered.subarray(0, w.n);
      this.buffered = this.buffered.subarray(w.n);
      w.resolve(out);
    } else if (this.failure) {
      this.waiting = undefined;
      w.reject(this.failure);
    }
  }
}

export class RfbClient {
  private constructor(private readonly socket: Socket, readonly serverName: string) {}

  static async connect(options: RfbConnectOptions): Promise<RfbClient> {
    const socket = connect({ host: options.host, port: options.port });
    const reader = new SocketReader(socket);
    const timer = setTimeout(() => socket.destroy(new RfbError(`no VNC handshake from ${options.host}:${options.port} within ${(options.timeoutMs ?? 30_000) / 1000}s`)), options.timeoutMs ?? 30_000);
    const onAbort = (): void => void socket.destroy(new RfbError("cancelled"));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const name = await handshake(socket, reader, options);
      reader.discard();
      socket.on("data", () => reader.discard());
      return new RfbClient(socket, name);
    } catch (e) {
      socket.destroy();
      throw e;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** A KeyEvent: an X keysym pressed (down) or released. */
  keyEvent(keysym: number, down: boolean): Promise<void> {
    const msg = Buffer.alloc(8);
    msg.writeUInt8(4, 0);
    msg.writeUInt8(down ? 1 : 0, 1);
    msg.writeUInt32BE(keysym >>> 0, 4);
    return new Promise((resolve, reject) => {
      if (this.socket.destroyed) return reject(new RfbError("the VNC connection is closed"));
      this.socket.write(msg, (e) => (e ? reject(e) : resolve()));
    });
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}

async function handshake(socket: Socket, reader: SocketReader, options: RfbConnectOptions): Promise<string> {
  const banner = (await reader.read(12)).toString("latin1");
  const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(banner);
  if (!m) throw new RfbError(`not a VNC server (it said ${JSON.stringify(banner)})`);
  const minor = Number(m[1]) > 3 ? 8 : Math.min(Number(m[2]), 8);
  const version = minor >= 8 ? 8 : minor >= 7 ? 7 : 3;
  socket.write(`RFB 003.00${version}\n`);
  const wantPassword = (options.password ?? "") !== "";
  let security: number;
  if (version === 3) {
    security = (await reader.read(4)).readUInt32BE(0);
    if (security === 0) throw new RfbError(`VNC server refused the connection: ${await readReason(reader)}`);
  } else {
    const count = (await reader.read(1)).readUInt8(0);
    if (count === 0) throw new RfbError(`VNC server refused the connection: ${await readReason(reader)}`);
    const offered = [...(await reader.read(count))];
    security = wantPassword ? SECURITY_VNC : SECURITY_NONE;
    if (!offered.includes(security)) {
      throw new RfbError(`VNC server offers security types [${offered.join(" ")}], not ${security === SECURITY_VNC ? "VNC password (2)" : "None (1)"}${wantPassword ? "" : ": it wants a password"}`);
    }
    socket.write(Buffer.from([security]));
  }
  if (security === SECURITY_VNC) {
    if (!wantPassword) throw new RfbError("the VNC server wants a password and none is configured");
    socket.write(vncAuthResponse(options.password!, await reader.read(16)));
  } else if (security !== SECURITY_NONE) {
    throw new RfbError(`unsupported VNC security type ${security}`);
  }
  // 3.8 always reports the result; 3.3 and 3.7 only after a password.
  if (version === 8 || security === SECURITY_VNC) {
    const result = (await reader.read(4)).readUInt32BE(0);
    if (result !== 0) throw new RfbError(`VNC authentication failed${version === 8 ? `: ${await readReason(reader)}` : ""}`);
  }
  socket.write(Buffer.from([options.exclusive ? 0 : 1]));
  const init = await reader.read(24);
  return (await reader.read(init.readUInt32BE(20))).toString("utf8");
}

async function readReason(reader: SocketReader): Promise<string> {
  const length = (await reader.read(4)).readUInt32BE(0);
  return (await reader.read(length)).toString("utf8");
}
