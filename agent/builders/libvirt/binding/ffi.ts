/**
 * The libvirt C API (libvirt.so.0, libvirt-qemu.so.0) declared through koffi: only the calls the
 * libvirt builder, its probe and its reaper make. Loaded on first use, so a host without libvirt0
 * can still import the builder (it then says libvirt is missing instead of crashing the agent).
 *
 * Handles are opaque pointers (koffi hands them over as BigInt-like externals; NULL is null).
 * Strings libvirt allocates for the caller are declared `char *!` so koffi copies and frees them.
 * See ../shared/notes/libvirt-lab.md for how each was checked on this machine.
 */
import { errorMessage } from "../../../../shared/error-message.js";
import koffi from "koffi";

/** A handle libvirt gave us (virConnectPtr, virDomainPtr, …); null is C's NULL. */
export type Handle = unknown;

export interface LibvirtFfi {
  koffi: typeof koffi;
  /** Synchronous calls (they block the event loop: use only for quick, local work). */
  sync: Record<string, (...args: unknown[]) => unknown>;
  /** The same calls run on koffi's worker threads. */
  async: Record<string, (...args: unknown[]) => Promise<unknown>>;
  /** The last error libvirt reported to our handler (its message, code and domain). */
  lastReported: { message: string; code: number } | undefined;
  decodeError(ptr: unknown): { message: string; code: number } | undefined;
  free(ptr: unknown): void;
}

const DECLARATIONS = [
  "int virInitialize()",
  "void virSetErrorFunc(void *userData, virErrorFunc *handler)",
  "virError *virConnGetLastError(virConnectPtr conn)",

  "virConnectPtr virConnectOpen(const char *name)",
  "int virConnectClose(virConnectPtr conn)",
  "int virConnectGetLibVersion(virConnectPtr conn, _Out_ unsigned long *libVer)",
  "char *! virConnectGetDomainCapabilities(virConnectPtr conn, const char *emulatorbin, const char *arch, const char *machine, const char *virttype, unsigned int flags)",
  "int virConnectListAllDomains(virConnectPtr conn, _Out_ void **domains, unsigned int flags)",

  "virDomainPtr virDomainDefineXML(virConnectPtr conn, const char *xml)",
  "virDomainPtr virDomainLookupByName(virConnectPtr conn, const char *name)",
  "int virDomainCreateWithFlags(virDomainPtr dom, unsigned int flags)",
  "int virDomainDestroy(virDomainPtr dom)",
  "int virDomainShutdownFlags(virDomainPtr dom, unsigned int flags)",
  "int virDomainUndefineFlags(virDomainPtr dom, unsigned int flags)",
  "int virDomainFree(virDomainPtr dom)",
  "const char *virDomainGetName(virDomainPtr dom)",
  "int virDomainGetState(virDomainPtr dom, _Out_ int *state, _Out_ int *reason, unsigned int flags)",
  "char *! virDomainGetXMLDesc(virDomainPtr dom, unsigned int flags)",
  "int virDomainInterfaceAddresses(virDomainPtr dom, _Out_ void **ifaces, unsigned int source, unsigned int flags)",
  "void virDomainInterfaceFree(void *iface)",

  "virStoragePoolPtr virStoragePoolLookupByName(virConnectPtr conn, const char *name)",
  "const char *virStoragePoolGetName(virStoragePoolPtr pool)",
  "int virStoragePoolFree(virStoragePoolPtr pool)",

  "virStorageVolPtr virStorageVolLookupByName(virStoragePoolPtr pool, const char *name)",
  "virStorageVolPtr virStorageVolCreateXML(virStoragePoolPtr pool, const char *xml, unsigned int flags)",
  "virStorageVolPtr virStorageVolCreateXMLFrom(virStoragePoolPtr pool, const char *xml, virStorageVolPtr clonevol, unsigned int flags)",
  "const char *virStorageVolGetName(virStorageVolPtr vol)",
  "char *! virStorageVolGetXMLDesc(virStorageVolPtr vol, unsigned int flags)",
  "int virStorageVolResize(virStorageVolPtr vol, unsigned long long capacity, unsigned int flags)",
  "int virStorageVolDelete(virStorageVolPtr vol, unsigned int flags)",
  "int virStorageVolUpload(virStorageVolPtr vol, virStreamPtr stream, unsigned long long offset, unsigned long long length, unsigned int flags)",
  "int virStorageVolDownload(virStorageVolPtr vol, virStreamPtr stream, unsigned long long offset, unsigned long long length, unsigned int flags)",
  "int virStorageVolFree(virStorageVolPtr vol)",

  "virStreamPtr virStreamNew(virConnectPtr conn, unsigned int flags)",
  "int virStreamSend(virStreamPtr stream, const uint8_t *data, size_t nbytes)",
  "int virStreamRecv(virStreamPtr stream, uint8_t *data, size_t nbytes)",
  "int virStreamFinish(virStreamPtr stream)",
  "int virStreamAbort(virStreamPtr stream)",
  "int virStreamFree(virStreamPtr stream)",
];

const QEMU_DECLARATIONS = ["int virDomainQemuMonitorCommand(virDomainPtr dom, const char *cmd, _Out_ void **result, unsigned int flags)"];

let loaded: LibvirtFfi | undefined;
let loadError: Error | undefined;

/** Loads libvirt once; throws a clear error when the library is not installed. */
export function libvirtFfi(): LibvirtFfi {
  if (loaded) return loaded;
  if (loadError) throw loadError;
  try {
    loaded = load();
    return loaded;
  } catch (e) {
    loadError = new Error(
      `cannot load libvirt's C library (libvirt.so.0): ${errorMessage(e)}; install the libvirt0 package (Debian: apt-get install libvirt0 libvirt-daemon-system)`,
    );
    throw loadError;
  }
}

function load(): LibvirtFfi {
  const lib = koffi.load("libvirt.so.0");
  const libq = koffi.load("libvirt-qemu.so.0");
  const libc = koffi.load("libc.so.6");
  for (const name of ["virConnect", "virDomain", "virStoragePool", "virStorageVol", "virStream"]) {
    koffi.pointer(`${name}Ptr`, koffi.opaque(name));
  }
  const virError = koffi.struct("virError", {
    code: "int", domain: "int", message: "char *", level: "int", conn: "void *", dom: "void *",
    str1: "char *", str2: "char *", str3: "char *", int1: "int", int2: "int", net: "void *",
  });
  const errorFunc = koffi.proto("void virErrorFunc(void *userData, virError *err)");
  koffi.struct("virDomainIPAddress", { type: "int", addr: "char *", prefix: "unsigned int" });
  koffi.struct("virDomainInterface", { name: "char *", hwaddr: "char *", naddrs: "unsigned int", addrs: "void *" });

  const sync: LibvirtFfi["sync"] = {};
  const asyncCalls: LibvirtFfi["async"] = {};
  const declare = (library: ReturnType<typeof koffi.load>, decl: string): void => {
    const fn = library.func(decl);
    const name = /\b(vir[A-Za-z]+)\(/.exec(decl)![1]!;
    sync[name] = fn as (...args: unknown[]) => unknown;
    asyncCalls[name] = (...args: unknown[]) =>
      new Promise((resolve, reject) => {
        (fn.async as (...a: unknown[]) => void)(...args, (err: unknown, result: unknown) => (err ? reject(err) : resolve(result)));
      });
  };
  for (const d of DECLARATIONS) declare(lib, d);
  for (const d of QEMU_DECLARATIONS) declare(libq, d);
  const free = libc.func("void free(void *p)") as (p: unknown) => void;

  const ffi: LibvirtFfi = {
    koffi,
    sync,
    async: asyncCalls,
    lastReported: undefined,
    decodeError(ptr) {
      if (!ptr) return undefined;
      const e = koffi.decode(ptr, virError) as { message: string | null; code: number };
      return { message: e.message ?? `libvirt error code ${e.code}`, code: e.code };
    },
    free,
  };
  // libvirt's default handler prints every error to stderr; ours keeps it for the caller instead
  // (koffi runs the callback on the main thread, also for errors raised inside .async calls).
  const handler = koffi.register((_user: unknown, err: unknown) => {
    ffi.lastReported = ffi.decodeError(err);
  }, koffi.pointer(errorFunc));
  sync.virInitialize!();
  sync.virSetErrorFunc!(null, handler);
  return ffi;
}
