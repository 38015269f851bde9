/**
 * VMware Workstation or Player on this host, found as Packer's NewDriver finds them on Linux
 * (driver_workstation9/10, driver_player5/6, *_unix.go): the first of Workstation ≥ 10,
 * Workstation 9, Player ≥ 6, Player 5 whose programs are on PATH. Workstation needs `vmware`,
 * `vmrun`, `vmware-vdiskmanager` and a license file; Player needs `vmplayer`, `vmrun` and
 * `vmware-vdiskmanager` or else `qemu-img` for disks. The version comes from
 * /usr/lib/vmware/bin/vmware-vmx -v (its stderr). Every vmrun call names the product (-T ws|player).
 */
import { errorMessage } from "../../../shared/error-message.js";
import { spawn } from "node:child_process";
import { readdir, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { findOnPath } from "../../host-probe/index.js";
import { DHCP_CONF_FILES, DHCP_LEASES_FILES, devicesOfNetwork, firstExisting, hostAddressOf, leasedAddresses, parseLeases, parseNetmap, type NetworkMapEntry } from "./network-files.js";

export type VmwareProduct = "workstation" | "player";

export interface VmwareHostPaths {
  /** /etc/vmware: licenses, netmap.conf, vmnetN/ (Packer's fixed root on Linux). */
  etcDir: string;
  /** /usr/lib/vmware: bin/vmware-vmx (the version) and isoimages/ (VMware Tools). */
  libDir: string;
}

export const DEFAULT_HOST_PATHS: VmwareHostPaths = { etcDir: "/etc/vmware", libDir: "/usr/lib/vmware" };

export class VmwareCommandError extends Error {
  constructor(readonly program: string, readonly args: readonly string[], message: string) {
    super(message);
    this.name = "VmwareCommandError";
  }
}

export interface DriverIdentity {
  product: VmwareProduct;
  /** Major version from vmware-vmx -v; undefined when it could not be read (Workstation 9 / Player 5 drivers). */
  version?: number;
  app: string;
  vmrun: string;
  vdiskManager?: string;
  qemuImg?: string;
}

export class VmwareDriver {
  constructor(readonly identity: DriverIdentity, readonly paths: VmwareHostPaths = DEFAULT_HOST_PATHS, private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** "ws" or "player", vmrun's -T. */
  get hostType(): string {
    return this.identity.product === "workstation" ? "ws" : "player";
  }

  get description(): string {
    const name = this.identity.product === "workstation" ? "Workstation" : "Player";
    return `VMware ${name}${this.identity.version !== undefined ? ` ${this.identity.version}` : ""}`;
  }

  async vmrun(args: readonly string[], signal?: AbortSignal): Promise<string> {
    return run(this.identity.vmrun, ["-T", this.hostType, ...args], this.env, signal);
  }

  /** `vmrun start VMX nogui|gui`. */
  async start(vmxPath: string, headless: boolean, signal?: AbortSignal): Promise<void> {
    await this.vmrun(["start", vmxPath, headless ? "nogui" : "gui"], signal);
  }

  /** `vmrun stop VMX hard`: power off at once (Packer's Stop). */
  async stop(vmxPath: string, signal?: AbortSignal): Promise<void> {
    await this.vmrun(["stop", vmxPath, "hard"], signal);
  }

  /** The .vmx paths `vmrun list` reports running. */
  async running(signal?: AbortSignal): Promise<string[]> {
    const out = await this.vmrun(["list"], signal);
    return out.split("\n").map((l) => l.replace(/\r$/, "")).filter((l) => l !== "" && !/^Total running VMs:/.test(l));
  }

  /** Packer's IsRunning: the absolute .vmx path is one of `vmrun list`'s lines. */
  async isRunning(vmxPath: string, signal?: AbortSignal): Promise<boolean> {
    return (await this.running(signal)).includes(path.resolve(vmxPath));
  }

  /** `vmrun clone SRC DST full|linked` (Workstation ≥ 10, Player ≥ 6; the latter also through -T ws, as Packer does). */
  async clone(dst: string, src: string, linked: boolean, signal?: AbortSignal): Promise<void> {
    const { product, version } = this.identity;
    if (product === "workstation" && version === undefined) throw new Error("Cloning is not supported with VMware WS version 9. Please use VMware WS version 10, or greater.");
    if (product === "player" && version === undefined) throw new Error("Cloning is not supported with VMWare Player version 5. Please use VMWare Player version 6, or greater.");
    await run(this.identity.vmrun, ["-T", "ws", "clone", src, dst, linked ? "linked" : "full"], this.env, signal);
  }

  /** `vmware-vdiskmanager -c -s SIZE -a ADAPTER -t TYPE FILE`, or Player's qemu-img fallback. */
  async createDisk(file: string, size: string, adapterType: string, typeId: string, signal?: AbortSignal): Promise<void> {
    const { vdiskManager, qemuImg } = this.identity;
    if (vdiskManager) await run(vdiskManager, ["-c", "-s", size, "-a", adapterType, "-t", typeId, file], this.env, signal);
    else await run(qemuImg!, ["create", "-f", "vmdk", "-o", "compat6", file, size], this.env, signal);
  }

  /** Defragment then shrink (`-d`, `-k`); with qemu-img, a rewrite that drops unused space. */
  async compactDisk(file: string, signal?: AbortSignal): Promise<void> {
    const { vdiskManager, qemuImg } = this.identity;
    if (vdiskManager) {
      await run(vdiskManager, ["-d", file], this.env, signal);
      await run(vdiskManager, ["-k", file], this.env, signal);
      return;
    }
    await run(qemuImg!, ["convert", "-f", "vmdk", "-O", "vmdk", "-o", "compat6", file, `${file}.new`], this.env, signal);
    await rm(file);
    await rename(`${file}.new`, file);
  }

  /** Where VMware keeps the Tools ISO of a flavor (linux, windows, …). */
  toolsIsoPath(flavor: string): string {
    return path.join(this.paths.libDir, "isoimages", `${flavor}.iso`);
  }

  /** netmap.conf, which must exist for Packer's NetworkMapper. */
  async networkMap(): Promise<NetworkMapEntry[]> {
    const file = path.join(this.paths.etcDir, "netmap.conf");
    const text = await readFile(file, "utf8").catch(() => {
      throw new Error(`Could not find netmap conf file: ${file}`);
    });
    return parseNetmap(text);
  }

  /**
   * Packer's HostIP: the host's address on the VM's network, from the dhcpd.conf of each device
   * of `network` (or `customDevice` for a custom network), first that answers.
   */
  async hostIp(network: string, customDevice: () => Promise<string>): Promise<string> {
    const devices = await this.devicesOf(network, customDevice);
    let lastError: unknown;
    for (const device of devices) {
      const conf = await firstExisting(this.paths.etcDir, device, DHCP_CONF_FILES);
      if (!conf) throw new Error(`Could not find vmnetdhcp conf file: ${path.join(this.paths.etcDir, device, DHCP_CONF_FILES[0])}`);
      try {
        return hostAddressOf(await readFile(conf, "utf8"), device);
      } catch (e) {
        lastError = e;
      }
    }
    throw new Error(`Unable to find host IP from devices [${devices.join(" ")}], last error: ${errorMessage(lastError)}`);
  }

  /** Packer's PotentialGuestIP: the addresses the DHCP leases of the VM's network give its MAC. */
  async guestIps(network: string, mac: string, customDevice: () => Promise<string>): Promise<string[]> {
    const devices = await this.devicesOf(network, customDevice);
    const found: string[] = [];
    for (const device of devices) {
      const leasesFile = await firstExisting(this.paths.etcDir, device, DHCP_LEASES_FILES);
      if (!leasesFile) throw new Error(`no DHCP leases path found for device ${device}`);
      const text = await readFile(leasesFile, "utf8").catch(() => undefined);
      if (text !== undefined) found.push(...leasedAddresses(parseLeases(text), mac));
    }
    if (found.length === 0) throw new Error(`None of the found device(s) [${devices.join(" ")}] has a DHCP lease for MAC ${mac}`);
    return found;
  }

  private async devicesOf(network: string, customDevice: () => Promise<string>): Promise<string[]> {
    const devices = devicesOfNetwork(await this.networkMap(), network);
    if (devices.length === 0 || network === "custom") devices.push(await customDevice());
    return devices;
  }
}

/** Runs a VMware program; fails with its stderr (else stdout), as Packer's runAndLog words it. */
function run(program: string, args: readonly string[], env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"], env, signal });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", (e) => reject(e.name === "AbortError" ? e : new VmwareCommandError(program, args, `${program}: ${e.message}`)));
    child.on("close", (code, sig) => {
      if (code === 0) return resolve(out.replace(/\r\n/g, "\n"));
      const message = err.trim() || out.trim() || `exit ${code ?? sig}`;
      const unknown = /unknown error/i.test(message)
        ? "\n\nPacker detected a VMware 'Unknown Error'. Check the vmware.log file in the VM's folder for details (build with -on-error=abort to keep it)."
        : "";
      reject(new VmwareCommandError(program, args, `VMware error: ${message}${unknown}`));
    });
  });
}

/**
 * Finds the driver as Packer's NewDriver does on Linux (programs on env.PATH); the error lists
 * why each candidate failed.
 */
export async function findVmwareDriver(env: NodeJS.ProcessEnv = process.env, paths: VmwareHostPaths = DEFAULT_HOST_PATHS): Promise<VmwareDriver> {
  const errors: string[] = [];
  const vmrun = await findOnPath(env, "vmrun");
  const vdiskManager = await findOnPath(env, "vmware-vdiskmanager");
  const version = (product: VmwareProduct) => vmxVersion(paths, product, env);

  const workstation = await findOnPath(env, "vmware");
  if (!workstation) errors.push('exec: "vmware": executable file not found in $PATH');
  else if (!vmrun) errors.push('exec: "vmrun": executable file not found in $PATH');
  else if (!vdiskManager) errors.push('exec: "vmware-vdiskmanager": executable file not found in $PATH');
  else if (!(await licensed(paths))) errors.push("Workstation does not appear to be licensed. Please license it.");
  else {
    const v = await version("workstation");
    // Below 10, or unreadable, Packer falls back to its Workstation 9 driver (no clones).
    return new VmwareDriver({ product: "workstation", version: v !== undefined && v >= 10 ? v : undefined, app: workstation, vmrun, vdiskManager }, paths, env);
  }

  const player = await findOnPath(env, "vmplayer");
  const qemuImg = vdiskManager ? undefined : await findOnPath(env, "qemu-img");
  if (!player) errors.push('exec: "vmplayer": executable file not found in $PATH');
  else if (!vmrun) errors.push('exec: "vmrun": executable file not found in $PATH');
  else if (!vdiskManager && !qemuImg) errors.push("Neither 'vmware-vdiskmanager', nor 'qemu-img' found in path.\nOne of these is required to configure disks for VMware Player.");
  else {
    const v = await version("player");
    return new VmwareDriver({ product: "player", version: v !== undefined && v >= 6 ? v : undefined, app: player, vmrun, vdiskManager, qemuImg }, paths, env);
  }
  throw new Error(`Unable to initialize any driver for this platform. The errors\nfrom each driver are shown below. Please fix at least one driver\nto continue:\n${errors.map((e) => `* ${e}`).join("\n")}`);
}

async function licensed(paths: VmwareHostPaths): Promise<boolean> {
  const names = await readdir(paths.etcDir).catch(() => [] as string[]);
  return names.some((n) => n.startsWith("license-ws-"));
}

/** `vmware-vmx -v` writes "VMware Workstation 16.2.4 build-…" (or "VMware Player …") on stderr. */
async function vmxVersion(paths: VmwareHostPaths, product: VmwareProduct, env: NodeJS.ProcessEnv): Promise<number | undefined> {
  const out = await new Promise<string>((resolve) => {
    const child = spawn(path.join(paths.libDir, "bin", "vmware-vmx"), ["-v"], { stdio: ["ignore", "ignore", "pipe"], env });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", () => resolve(""));
    child.on("close", () => resolve(err));
  });
  return parseVmxVersion(out, product);
}

export function parseVmxVersion(output: string, product: VmwareProduct): number | undefined {
  const m = new RegExp(`VMware ${product === "workstation" ? "Workstation" : "Player"} (\\d+)\\.`, "i").exec(output);
  return m ? Number(m[1]) : undefined;
}
