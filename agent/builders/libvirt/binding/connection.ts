/**
 * A typed, promise-based face on the libvirt C API (binding/ffi.ts): a connection, its domains,
 * storage pools, volumes and streams. Calls that talk to libvirtd run on koffi's worker threads
 * (`.async`), so a slow daemon never blocks the agent's event loop. Every failure is a
 * LibvirtError carrying libvirt's own message and error code.
 *
 * Each object owns its handle: call `free()` when done (the builder's steps do it in their cleanups).
 */
import { open as openFile } from "node:fs/promises";
import { libvirtFfi, type Handle, type LibvirtFfi } from "./ffi.js";

/** libvirt error codes the builder acts on (virterror.h). */
export const VIR_ERR = {
  NO_DOMAIN: 42,
  NO_STORAGE_POOL: 49,
  NO_STORAGE_VOL: 50,
} as const;

/** virDomainState. */
export const DomainState = { NOSTATE: 0, RUNNING: 1, BLOCKED: 2, PAUSED: 3, SHUTDOWN: 4, SHUTOFF: 5, CRASHED: 6, PMSUSPENDED: 7 } as const;

export class LibvirtError extends Error {
  constructor(readonly call: string, message: string, readonly code: number | undefined) {
    super(message);
    this.name = "LibvirtError";
  }
}

/** An IPv4/IPv6 address libvirt found for one of a domain's interfaces. */
export interface InterfaceAddress {
  name: string;
  mac: string;
  type: "ipv4" | "ipv6";
  address: string;
  prefix: number;
}

const STREAM_CHUNK = 4 * 1024 * 1024;

export class LibvirtConnection {
  private constructor(private readonly ffi: LibvirtFfi, readonly handle: Handle, readonly uri: string) {}

  /** Opens `uri` (qemu:///system, qemu:///session, qemu+ssh://user@host/system, test:///default…). */
  static async open(uri: string): Promise<LibvirtConnection> {
    const ffi = libvirtFfi();
    ffi.lastReported = undefined;
    const handle = await ffi.async.virConnectOpen!(uri);
    const reported = ffi.lastReported as LibvirtFfi["lastReported"];
    if (!handle) throw new LibvirtError("virConnectOpen", `cannot connect to libvirt at ${uri}: ${reported?.message ?? "unknown error"}`, reported?.code);
    return new LibvirtConnection(ffi, handle, uri);
  }

  /** libvirt's error for a call that failed on this connection. */
  error(call: string, what: string): LibvirtError {
    const e = this.ffi.decodeError(this.ffi.sync.virConnGetLastError!(this.handle)) ?? this.ffi.lastReported;
    return new LibvirtError(call, `${what}: ${e?.message ?? "libvirt gave no reason"}`, e?.code);
  }

  /** Runs a libvirt call on a worker thread; NULL or a negative result is an error. */
  async call<T>(name: string, what: string, ...args: unknown[]): Promise<T> {
    const result = await this.ffi.async[name]!(...args);
    if (result === null || (typeof result === "number" && result < 0)) throw this.error(name, what);
    return result as T;
  }

  /** A lookup call: undefined when libvirt answers `missing` (no such domain, pool, volume), else the wrapped handle or an error. */
  async lookup<T>(name: string, missing: number, what: string, wrap: (h: Handle) => T, ...args: unknown[]): Promise<T | undefined> {
    const h = await this.ffi.async[name]!(...args);
    if (h) return wrap(h);
    const e = this.ffi.decodeError(this.ffi.sync.virConnGetLastError!(this.handle));
    if (e?.code === missing) return undefined;
    throw new LibvirtError(name, `${what}: ${e?.message ?? "unknown error"}`, e?.code);
  }

  private callSync<T>(name: string, what: string, ...args: unknown[]): T {
    const result = this.ffi.sync[name]!(...args);
    if (result === null || (typeof result === "number" && result < 0)) throw this.error(name, what);
    return result as T;
  }

  async close(): Promise<void> {
    await this.ffi.async.virConnectClose!(this.handle);
  }

  libVersion(): string {
    const out = [0];
    this.callSync("virConnectGetLibVersion", "cannot read libvirt's version", this.handle, out);
    const v = Number(out[0]);
    return `${Math.floor(v / 1_000_000)}.${Math.floor(v / 1000) % 1000}.${v % 1000}`;
  }

  /** The domain capabilities XML for a hypervisor type (`kvm`, `qemu`), or an error when it has none. */
  async domainCapabilities(virtType: string, arch?: string): Promise<string> {
    return this.call<string>("virConnectGetDomainCapabilities", `the libvirt host cannot run ${virtType} domains`, this.handle, null, arch ?? null, null, virtType, 0);
  }

  async defineDomain(xml: string): Promise<Domain> {
    return new Domain(this, await this.call("virDomainDefineXML", "libvirt refused the domain definition", this.handle, xml));
  }

  /** The domain named `name`, or undefined when there is none. */
  async lookupDomain(name: string): Promise<Domain | undefined> {
    return this.lookup("virDomainLookupByName", VIR_ERR.NO_DOMAIN, `cannot look domain ${name} up`, (h) => new Domain(this, h), this.handle, name);
  }

  async listDomains(): Promise<Domain[]> {
    return this.listAll("virConnectListAllDomains", "virDomainPtr", "cannot list domains").then((hs) => hs.map((h) => new Domain(this, h)));
  }

  private async listAll(call: string, type: string, what: string): Promise<Handle[]> {
    const out: unknown[] = [null];
    const n = await this.call<number>(call, what, this.handle, out, 0);
    if (n === 0 || !out[0]) return [];
    const handles = this.ffi.koffi.decode(out[0], type, n) as Handle[];
    this.ffi.free(out[0]);
    return handles;
  }

  /** The storage pool named `name`, or undefined when there is none. */
  async lookupPool(name: string): Promise<StoragePool | undefined> {
    return this.lookup("virStoragePoolLookupByName", VIR_ERR.NO_STORAGE_POOL, `cannot look storage pool ${name} up`, (h) => new StoragePool(this, h), this.handle, name);
  }

  async pool(name: string): Promise<StoragePool> {
    const p = await this.lookupPool(name);
    if (!p) throw new LibvirtError("virStoragePoolLookupByName", `storage pool '${name}' does not exist on ${this.uri} (create it with virsh pool-define-as, or name an existing pool)`, VIR_ERR.NO_STORAGE_POOL);
    return p;
  }

  /** @internal */
  get lib(): LibvirtFfi {
    return this.ffi;
  }
}

export class Domain {
  constructor(readonly conn: LibvirtConnection, readonly handle: Handle) {}

  get name(): string {
    return this.conn.lib.sync.virDomainGetName!(this.handle) as string;
  }

  /** Starts a defined domain; `autodestroy` makes libvirtd destroy it when this connection closes (a crash included). */
  async start(opts: { autodestroy: boolean }): Promise<void> {
    await this.conn.call("virDomainCreateWithFlags", `cannot start domain ${this.name}`, this.handle, opts.autodestroy ? 2 : 0);
  }

  async destroy(): Promise<void> {
    await this.conn.call("virDomainDestroy", `cannot destroy domain ${this.name}`, this.handle);
  }

  /** Asks the guest to shut down; `flags` is a virDomainShutdownFlagValues (0 = libvirt's choice). */
  async shutdown(flags: number): Promise<void> {
    await this.conn.call("virDomainShutdownFlags", `cannot shut domain ${this.name} down`, this.handle, flags);
  }

  /** Removes the definition (and its NVRAM file). */
  async undefine(): Promise<void> {
    await this.conn.call("virDomainUndefineFlags", `cannot undefine domain ${this.name}`, this.handle, 4 /* VIR_DOMAIN_UNDEFINE_NVRAM */);
  }

  /** The domain's state; SHUTOFF when the domain no longer exists (a transient one that stopped). */
  async state(): Promise<number> {
    const s = [0];
    const r = [0];
    const rc = (await this.conn.lib.async.virDomainGetState!(this.handle, s, r, 0)) as number;
    if (rc < 0) {
      const e = this.conn.error("virDomainGetState", `cannot read the state of domain ${this.name}`);
      if (e.code === VIR_ERR.NO_DOMAIN) return DomainState.SHUTOFF;
      throw e;
    }
    return Number(s[0]);
  }

  async isActive(): Promise<boolean> {
    const s = await this.state();
    return s !== DomainState.SHUTOFF && s !== DomainState.CRASHED && s !== DomainState.NOSTATE;
  }

  async xml(): Promise<string> {
    return this.conn.call<string>("virDomainGetXMLDesc", `cannot read the definition of domain ${this.name}`, this.handle, 0);
  }

  /** A QEMU monitor command (HMP when `hmp`, else QMP JSON); resolves with QEMU's answer. */
  async monitor(command: string, hmp: boolean): Promise<string> {
    const out: unknown[] = [null];
    await this.conn.call("virDomainQemuMonitorCommand", `QEMU monitor command '${command}' failed on domain ${this.name}`, this.handle, command, out, hmp ? 1 : 0);
    const lib = this.conn.lib;
    const text = out[0] ? (lib.koffi.decode(out[0], "char", -1) as string) : "";
    if (out[0]) lib.free(out[0]);
    return text;
  }

  /** Addresses of the domain's interfaces as `source` finds them (0 lease, 1 agent, 2 arp). */
  async interfaceAddresses(source: number): Promise<InterfaceAddress[]> {
    const lib = this.conn.lib;
    const out: unknown[] = [null];
    const n = await this.conn.call<number>("virDomainInterfaceAddresses", `cannot read the addresses of domain ${this.name}`, this.handle, out, source, 0);
    if (n === 0 || !out[0]) return [];
    const found: InterfaceAddress[] = [];
    const ifaces = lib.koffi.decode(out[0], "void *", n) as unknown[];
    for (const p of ifaces) {
      const iface = lib.koffi.decode(p, "virDomainInterface") as { name: string | null; hwaddr: string | null; naddrs: number; addrs: unknown };
      const addrs = iface.naddrs > 0 ? (lib.koffi.decode(iface.addrs, "virDomainIPAddress", iface.naddrs) as { type: number; addr: string | null; prefix: number }[]) : [];
      for (const a of addrs) {
        if (a.addr) found.push({ name: iface.name ?? "", mac: iface.hwaddr ?? "", type: a.type === 0 ? "ipv4" : "ipv6", address: a.addr, prefix: a.prefix });
      }
      lib.sync.virDomainInterfaceFree!(p);
    }
    lib.free(out[0]);
    return found;
  }

  free(): void {
    this.conn.lib.sync.virDomainFree!(this.handle);
  }
}

export class StoragePool {
  constructor(readonly conn: LibvirtConnection, readonly handle: Handle) {}

  get name(): string {
    return this.conn.lib.sync.virStoragePoolGetName!(this.handle) as string;
  }

  /** The volume named `name`, or undefined. */
  async lookupVolume(name: string): Promise<StorageVolume | undefined> {
    return this.conn.lookup("virStorageVolLookupByName", VIR_ERR.NO_STORAGE_VOL, `cannot look volume ${this.name}/${name} up`, (h) => new StorageVolume(this.conn, h), this.handle, name);
  }

  async volume(name: string): Promise<StorageVolume> {
    const v = await this.lookupVolume(name);
    if (!v) throw new LibvirtError("virStorageVolLookupByName", `volume '${name}' does not exist in storage pool '${this.name}'`, VIR_ERR.NO_STORAGE_VOL);
    return v;
  }

  async createVolume(xml: string): Promise<StorageVolume> {
    return new StorageVolume(this.conn, await this.conn.call("virStorageVolCreateXML", `cannot create a volume in storage pool ${this.name}`, this.handle, xml, 0));
  }

  /** A new volume whose content is a full copy of `from` (any pool of this connection). */
  async cloneVolume(xml: string, from: StorageVolume): Promise<StorageVolume> {
    return new StorageVolume(this.conn, await this.conn.call("virStorageVolCreateXMLFrom", `cannot clone volume ${from.name} into storage pool ${this.name}`, this.handle, xml, from.handle, 0));
  }

  free(): void {
    this.conn.lib.sync.virStoragePoolFree!(this.handle);
  }
}

export class StorageVolume {
  constructor(readonly conn: LibvirtConnection, readonly handle: Handle) {}

  get name(): string {
    return this.conn.lib.sync.virStorageVolGetName!(this.handle) as string;
  }

  async xml(): Promise<string> {
    return this.conn.call<string>("virStorageVolGetXMLDesc", `cannot read volume ${this.name}`, this.handle, 0);
  }

  async resize(capacityBytes: bigint): Promise<void> {
    await this.conn.call("virStorageVolResize", `cannot resize volume ${this.name}`, this.handle, capacityBytes, 0);
  }

  async delete(): Promise<void> {
    await this.conn.call("virStorageVolDelete", `cannot delete volume ${this.name}`, this.handle, 0);
  }

  /** Replaces the volume's content with `file`, streamed through libvirtd (works on remote hosts too). */
  async upload(file: string, signal?: AbortSignal): Promise<number> {
    const fh = await openFile(file, "r");
    const size = (await fh.stat()).size;
    const stream = await this.newStream();
    let sent = 0;
    try {
      await this.conn.call("virStorageVolUpload", `cannot upload into volume ${this.name}`, this.handle, stream, 0, size, 0);
      const buf = Buffer.alloc(STREAM_CHUNK);
      for (;;) {
        signal?.throwIfAborted();
        const { bytesRead } = await fh.read(buf, 0, buf.length, sent);
        if (bytesRead === 0) break;
        let off = 0;
        while (off < bytesRead) {
          const n = await this.conn.call<number>("virStreamSend", `upload into volume ${this.name} failed`, stream, buf.subarray(off, bytesRead), bytesRead - off);
          off += n;
        }
        sent += bytesRead;
      }
      await this.conn.call("virStreamFinish", `upload into volume ${this.name} failed`, stream);
    } catch (e) {
      await this.conn.lib.async.virStreamAbort!(stream);
      throw e;
    } finally {
      this.conn.lib.sync.virStreamFree!(stream);
      await fh.close();
    }
    return sent;
  }

  /** Writes the volume's content into `file` (created or truncated), streamed through libvirtd. */
  async download(file: string, signal?: AbortSignal): Promise<number> {
    const fh = await openFile(file, "w", 0o600);
    const stream = await this.newStream();
    let received = 0;
    try {
      await this.conn.call("virStorageVolDownload", `cannot download volume ${this.name}`, this.handle, stream, 0, 0, 0);
      const buf = Buffer.alloc(STREAM_CHUNK);
      for (;;) {
        signal?.throwIfAborted();
        const n = await this.conn.call<number>("virStreamRecv", `download of volume ${this.name} failed`, stream, buf, buf.length);
        if (n === 0) break;
        await fh.write(buf, 0, n, received);
        received += n;
      }
      await this.conn.call("virStreamFinish", `download of volume ${this.name} failed`, stream);
    } catch (e) {
      await this.conn.lib.async.virStreamAbort!(stream);
      throw e;
    } finally {
      this.conn.lib.sync.virStreamFree!(stream);
      await fh.close();
    }
    return received;
  }

  private async newStream(): Promise<Handle> {
    return this.conn.call("virStreamNew", "cannot open a libvirt stream", this.conn.handle, 0);
  }

  free(): void {
    this.conn.lib.sync.virStorageVolFree!(this.handle);
  }
}
