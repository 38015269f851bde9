/**
 * The `libvirt` builder's configuration: the keys and rules of the community Packer plugin
 * (thomasklein94/packer-plugin-libvirt 0.5: `volume`, `network_interface`, `graphics` and
 * `communicator` blocks), plus what Kiln adds and says so:
 * - `network_interface { type = "user" }`: QEMU user-mode networking with the communicator's port
 *   forwarded from a free loopback port (no libvirt network needed; local URIs only);
 * - `shutdown_command`: shut the guest down through the communicator instead of `shutdown_mode`;
 * - `output_directory`: also download the artifact volume there (as a standalone file);
 * - `domain_type` left empty picks `kvm` when the host's libvirt offers it, else `qemu` (TCG).
 */
import { randomBytes } from "node:crypto";
import { ConfigReader } from "../config-reader.js";
import { readCommunicatorConfig, type CommunicatorConfig } from "../communicator/ssh.js";
import type { BuilderSchema } from "../types.js";
import { readBootConfig, type BootConfig } from "../vm-config/boot.js";

export type VolumeSource =
  | { type: "backing-store"; pool?: string; volume?: string; path?: string }
  | { type: "cloning"; pool: string; volume: string }
  | { type: "external"; urls: string[]; checksum: string }
  | { type: "cloud-init"; metaData?: string; userData?: string; networkConfig?: string }
  | { type: "files"; files: string[]; contents: Record<string, string>; label: string };

export interface LibvirtVolume {
  pool: string;
  name: string;
  source?: VolumeSource;
  /** With the plugin's units ("20G", "512M", "1048576"); undefined when the source decides. */
  capacity?: string;
  size?: string;
  readonly: boolean;
  /** Device name on its bus, given in order of the blocks (sda, sdb…; vda…; hda…; fda…). */
  targetDev: string;
  bus: string;
  /** libvirt alias, with the `ua-` prefix libvirt requires. */
  alias?: string;
  format?: string;
  device: "disk" | "cdrom" | "floppy" | "lun";
}

export interface LibvirtNetworkInterface {
  type: "managed" | "bridge" | "user";
  /** The libvirt network (managed). */
  network?: string;
  bridge?: string;
  mac?: string;
  alias?: string;
  model: string;
}

export interface LibvirtGraphics {
  type: "vnc" | "sdl";
  /** vnc: 0 or unset = autoport. */
  port?: number;
  display?: string;
}

export type ShutdownMode = "auto" | "acpi" | "guest" | "initctl" | "signal" | "paravirt";
export type NetworkAddressSource = "agent" | "lease" | "arp";

export interface Config {
  libvirtUri: string;
  domainName: string;
  memoryMb: number;
  vcpu: number;
  cpuMode?: string;
  networkInterfaces: LibvirtNetworkInterface[];
  /** Alias (with `ua-`) of the interface the communicator connects through. */
  communicatorInterface: string;
  volumes: LibvirtVolume[];
  /** Alias (with `ua-`) of the volume that is the artifact. */
  artifactVolumeAlias: string;
  bootDevices: ("hd" | "network" | "cdrom")[];
  graphics: LibvirtGraphics[];
  networkAddressSource: NetworkAddressSource;
  shutdownMode: ShutdownMode;
  shutdownTimeoutMs: number;
  shutdownCommand?: string;
  /** undefined: kvm when the host offers it, else qemu. */
  domainType?: string;
  arch: string;
  chipset?: string;
  loaderPath?: string;
  loaderType?: string;
  secureBoot: boolean;
  nvramPath?: string;
  nvramTemplate?: string;
  boot: BootConfig;
  keyHoldMs: number;
  communicator: CommunicatorConfig;
  outputDirectory?: string;
  sshHostPortMin: number;
  sshHostPortMax: number;
  warnings: string[];
}

const SHUTDOWN_MODES: readonly ShutdownMode[] = ["auto", "acpi", "guest", "initctl", "signal", "paravirt"];
const ADDRESS_SOURCES: readonly NetworkAddressSource[] = ["agent", "lease", "arp"];
const DEVICES = ["disk", "cdrom", "floppy", "lun"] as const;
const ALIAS = /^[a-zA-Z0-9_-]+$/;

/** libvirt wants user aliases to start with `ua-`; the plugin adds it for the user. */
const ua = (alias: string): string => `ua-${alias}`;

export const schema: BuilderSchema<Config> = {
  kind: "builder",
  type: "libvirt",
  needs: ["libvirt"],
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "builder", interpolation: ctx.interpolation, renderLater: ["boot_command"] });
    const warnings: string[] = [];
    const communicatorBlock = r.block("communicator") ?? r.emptyBlock("communicator");
    const communicator = readCommunicatorConfig(communicatorBlock, { cwd: ctx.cwd });
    communicatorBlock.finish();
    const boot = readBootConfig(r, { vnc: false });
    const keyHoldMs = Math.max(5, r.duration("key_hold_time", 0, "parsing"));
    const domainName = r.string("domain_name", "") || `packer-${randomBytes(10).toString("hex")}`;
    const memory = r.int("memory", 0);
    const vcpu = r.int("vcpu", 0);
    const cpuMode = r.string("cpu_mode") || undefined;

    let bootDevices = r.stringList("boot_devices");
    if (bootDevices.length === 0) bootDevices = ["hd"];
    for (const bd of bootDevices) if (!["hd", "network", "cdrom"].includes(bd)) r.problem("boot_devices", `unknown BootDevice: ${bd}`);

    const letters = new DriveLetters();
    const volumes = r.blocks("volume").map((b) => readVolume(b, domainName, letters, warnings));
    const networkInterfaces = r.blocks("network_interface").map(readNetworkInterface);
    const graphics = r.blocks("graphics").map(readGraphics);

    // The plugin's prepareCommunicator: the communicator's interface is found by alias.
    const communicatorInterfaceGiven = r.string("communicator_interface", "");
    const communicatorInterface = ua(communicatorInterfaceGiven || "communicator");
    if (networkInterfaces.length === 0) warnings.push("No network interface defined");
    else if (!networkInterfaces.some((ni) => ni.alias === communicatorInterface)) {
      if (communicatorInterfaceGiven) r.problem("communicator_interface", `no network_interface found with alias '${communicatorInterfaceGiven}'`);
      else {
        warnings.push("using first network interface found as communicator interface");
        networkInterfaces[0]!.alias = communicatorInterface;
      }
    }

    const artifactAliasGiven = r.string("artifact_volume_alias", "");
    const artifactVolumeAlias = ua(artifactAliasGiven || "artifact");
    if (volumes.length === 0) r.problem("volume", "no volume has been specified");
    else if (!volumes.some((v) => v.alias === artifactVolumeAlias)) {
      if (artifactAliasGiven) r.problem("artifact_volume_alias", `no volume found with alias '${artifactAliasGiven}'`);
      else if (volumes.length === 1) {
        warnings.push("Using the only defined volume as an artifact");
        volumes[0]!.alias = artifactVolumeAlias;
      } else r.problem("volume", "please specify an alias for a volume and set artifact_volume_alias on the builder");
    }

    let networkAddressSource = r.string("network_address_source", "");
    if (networkAddressSource === "") {
      networkAddressSource = "agent";
      if (!networkInterfaces.every((ni) => ni.type === "user")) {
        warnings.push("No network_address_source was specified, defaulting to agent. This might hang your build when there are no qemu agent running on the builder machine");
      }
    }
    if (!ADDRESS_SOURCES.includes(networkAddressSource as NetworkAddressSource)) r.problem("network_address_source", `unkown NetworkAddressSource: ${networkAddressSource}`);
    const shutdownMode = r.string("shutdown_mode", "") || "auto";
    if (!SHUTDOWN_MODES.includes(shutdownMode as ShutdownMode)) r.problem("shutdown_mode", `unrecognized shutdown mode '${shutdownMode}'`);
    const shutdownTimeoutMs = r.duration("shutdown_timeout", 0, "parsing") || 5 * 60_000;

    const libvirtUri = r.string("libvirt_uri", "");
    if (!libvirtUri) r.problem("libvirt_uri", "libvirt_uri must be specified (for example qemu:///system)");
    const userNics = networkInterfaces.filter((ni) => ni.type === "user");
    if (userNics.length > 1) r.problem("network_interface", "only one network_interface of type \"user\" is supported (its port forward carries the communicator)");
    if (libvirtUri && userNics.length > 0 && !isLocalUri(libvirtUri)) {
      r.problem("network_interface", `a "user" network_interface forwards a loopback port of the libvirt host, which Kiln can only reach when libvirt runs here; ${libvirtUri} is remote: use a managed or bridge interface`);
    }
    const sshHostPortMin = r.int("ssh_host_port_min", 0) || 2222;
    const sshHostPortMax = r.int("ssh_host_port_max", 0) || 4444;
    if (sshHostPortMin > sshHostPortMax) r.problem("ssh_host_port_min", "ssh_host_port_min must be less than ssh_host_port_max");

    const config: Config = {
      libvirtUri,
      domainName,
      memoryMb: memory <= 0 ? 512 : memory,
      vcpu: vcpu <= 0 ? 1 : vcpu,
      cpuMode,
      networkInterfaces,
      communicatorInterface,
      volumes,
      artifactVolumeAlias,
      bootDevices: bootDevices as Config["bootDevices"],
      graphics,
      networkAddressSource: networkAddressSource as NetworkAddressSource,
      shutdownMode: shutdownMode as ShutdownMode,
      shutdownTimeoutMs,
      shutdownCommand: r.string("shutdown_command") || undefined,
      domainType: r.string("domain_type") || undefined,
      arch: r.string("arch", "") || "x86_64",
      chipset: r.string("chipset") || undefined,
      loaderPath: r.string("loader_path") || undefined,
      loaderType: r.string("loader_type") || undefined,
      secureBoot: r.bool("secure_boot"),
      nvramPath: r.string("nvram_path") || undefined,
      nvramTemplate: r.string("nvram_template") || undefined,
      boot,
      keyHoldMs,
      communicator,
      outputDirectory: r.string("output_directory") || undefined,
      sshHostPortMin,
      sshHostPortMax,
      warnings,
    };
    r.finish();
    return config;
  },
};

/** True for URIs whose libvirtd runs on this machine (no host part, or localhost). */
export function isLocalUri(uri: string): boolean {
  const m = /^[a-z0-9+]+:\/\/([^/]*)\//i.exec(uri);
  if (!m) return true;
  const host = m[1]!.replace(/^[^@]*@/, "").replace(/:\d+$/, "");
  return host === "" || host === "localhost" || host === "127.0.0.1" || host === "::1";
}

/** The plugin assigns device names per bus in the order the volume blocks are written. */
class DriveLetters {
  private readonly next = new Map<string, number>();

  take(bus: string): string | undefined {
    const [prefix, letters] = bus === "fdc" ? ["fd", "abcd"] : bus === "ide" ? ["hd", LOWER] : bus === "virtio" ? ["vd", LOWER] : ["sd", LOWER];
    const i = this.next.get(prefix) ?? 0;
    this.next.set(prefix, i + 1);
    return i < letters.length ? prefix + letters[i] : undefined;
  }
}
const LOWER = "abcdefghijklmnopqrstuvwxyz";

function readVolume(b: ConfigReader, domainName: string, letters: DriveLetters, warnings: string[]): LibvirtVolume {
  const device = b.string("device", "") || "disk";
  if (!(DEVICES as readonly string[]).includes(device)) b.problem("device", `unknown device '${device}': use disk, cdrom, floppy or lun`);
  const aliasGiven = b.string("alias", "");
  if (aliasGiven && !ALIAS.test(aliasGiven)) b.problem("alias", `alias '${aliasGiven}' may only contain [a-zA-Z0-9_-]`);
  let pool = b.string("pool", "");
  if (!pool) {
    pool = "default";
    warnings.push(`Pool isn't set for volume, using the '${pool}' pool`);
  }
  let bus = b.string("bus", "");
  if (!bus) {
    bus = device === "floppy" ? "fdc" : "scsi";
    warnings.push(`Bus isn't set, using bus=${bus} as default`);
  }
  const targetDev = letters.take(bus);
  if (!targetDev) b.problem("bus", "device bus has used up all possible letters");
  if (b.string("target_dev", "")) warnings.push("Setting target_dev for volume is deprecated: the order on the bus is the order of the volume blocks");
  const sourceBlock = b.block("source");
  const source = sourceBlock ? readVolumeSource(sourceBlock) : undefined;
  let name = b.string("name", "");
  if (!name) {
    name = source?.type === "cloud-init" ? `${domainName}-cloudinit` : `${domainName}-${aliasGiven || randomBytes(6).toString("hex")}`;
  }
  let size = b.string("size", "") || undefined;
  let capacity = b.string("capacity", "") || undefined;
  for (const [key, v] of [["size", size], ["capacity", capacity]] as const) {
    if (v !== undefined && parseVolumeSize(v) === undefined) b.problem(key, `couldn't understand volume ${key} '${v}'`);
  }
  // A source decides the size (the plugin's allowUnspecifiedSize); an empty volume needs one.
  if (!size && !capacity && source === undefined) {
    b.problem(undefined, `at least one of Volume.Size or Volume.Capacity must be set for volume ${pool}/${name}`);
  }
  size ??= capacity;
  capacity ??= size;
  const volume: LibvirtVolume = {
    pool, name, source, size, capacity,
    readonly: b.bool("readonly"),
    targetDev: targetDev ?? "",
    bus,
    alias: aliasGiven ? ua(aliasGiven) : undefined,
    format: b.string("format") || undefined,
    device: device as LibvirtVolume["device"],
  };
  b.finish();
  return volume;
}

function readVolumeSource(s: ConfigReader): VolumeSource {
  const type = s.string("type", "");
  // Every key of the squashed source structs is accepted whatever the type, as mapstructure does.
  const pool = s.string("pool") || undefined;
  const volume = s.string("volume") || undefined;
  const path = s.string("path") || undefined;
  const urls = s.stringList("urls");
  const checksum = s.string("checksum", "");
  const metaData = s.has("meta_data") ? s.string("meta_data", "") : undefined;
  const userData = s.has("user_data") ? s.string("user_data", "") : undefined;
  const networkConfig = s.has("network_config") ? s.string("network_config", "") : undefined;
  const files = s.stringList("files");
  const contents = s.stringMap("contents");
  const label = s.string("label", "");
  s.finish();
  switch (type) {
    case "backing-store":
    case "backingstore":
      if (!path) {
        if (!pool) s.problem("pool", "backing store volume missing pool name");
        if (!volume) s.problem("volume", "backing store volume missing volume name");
      } else if (pool || volume) s.problem("path", "if path is specified on a backing store, no other arguments can be specified");
      return { type: "backing-store", pool, volume, path };
    case "cloning":
    case "clone":
      if (!pool) s.problem("pool", "cloning volume missing pool name");
      if (!volume) s.problem("volume", "cloning store volume missing volume name");
      return { type: "cloning", pool: pool ?? "", volume: volume ?? "" };
    case "external":
      if (urls.length === 0) s.problem("urls", "at least 1 URL must be specified for an external volume source");
      return { type: "external", urls, checksum };
    case "cloud-init":
    case "cloudinit":
      return { type: "cloud-init", metaData, userData, networkConfig };
    case "files":
      if (files.length === 0 && Object.keys(contents).length === 0) s.problem("files", "a files volume source needs files or contents");
      return { type: "files", files, contents, label };
    default:
      s.problem("type", `unsupported volume source type '${type}'`);
      return { type: "cloud-init" };
  }
}

function readNetworkInterface(n: ConfigReader): LibvirtNetworkInterface {
  const type = n.string("type", "");
  const alias = n.string("alias", "");
  if (alias && !ALIAS.test(alias)) n.problem("alias", `alias '${alias}' may only contain [a-zA-Z0-9_-]`);
  const ni: LibvirtNetworkInterface = {
    type: "managed",
    mac: n.string("mac") || undefined,
    alias: alias ? ua(alias) : undefined,
    model: n.string("model", "") || "virtio",
  };
  const network = n.string("network", "");
  const bridge = n.string("bridge", "");
  n.finish();
  switch (type) {
    case "managed":
    case "network":
      return { ...ni, type: "managed", network: network || "default" };
    case "bridge":
      if (!bridge) n.problem("bridge", "a bridge network_interface needs the bridge's name");
      return { ...ni, type: "bridge", bridge };
    case "user":
      return { ...ni, type: "user" };
    default:
      n.problem("type", `unsupported network interface type '${type}'`);
      return ni;
  }
}

function readGraphics(g: ConfigReader): LibvirtGraphics {
  const type = g.string("type", "");
  const port = g.int("port", 0);
  const display = g.string("display") || undefined;
  g.finish();
  if (type !== "vnc" && type !== "sdl") g.problem("type", `unsupported domain graphics type '${type}'`);
  return { type: type === "sdl" ? "sdl" : "vnc", port: port > 0 ? port : undefined, display };
}

/**
 * The plugin's size strings: a number with an optional unit (`k`/`kB` KiB, `M`/`MB` MiB,
 * `G`/`GB` GiB, or libvirt's own units), in bytes.
 */
export function parseVolumeSize(s: string): bigint | undefined {
  const m = /^(\d+)\s*([A-Za-z]*)$/.exec(s.trim());
  if (!m) return undefined;
  const n = BigInt(m[1]!);
  const unit = m[2]!;
  const mult: Record<string, bigint> = {
    "": 1n, B: 1n, bytes: 1n, k: 1024n, kb: 1024n, kB: 1024n, KiB: 1024n, K: 1024n,
    M: 1024n ** 2n, Mb: 1024n ** 2n, MB: 1024n ** 2n, MiB: 1024n ** 2n,
    G: 1024n ** 3n, Gb: 1024n ** 3n, GB: 1024n ** 3n, GiB: 1024n ** 3n,
    T: 1024n ** 4n, TB: 1024n ** 4n, TiB: 1024n ** 4n,
  };
  const f = mult[unit];
  return f === undefined ? undefined : n * f;
}
