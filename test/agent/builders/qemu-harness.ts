/**
 * What the qemu builder tests share: a workspace with a template, `kiln build` as a real process,
 * a builder block on the cached Debian base image, the QEMU processes a build left, and SSH into a
 * booted image.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ssh2 from "ssh2";
import { BASE_IMAGE_ROOT_PASSWORD } from "../../fixtures/base-image.js";
import { leasePort } from "../../../agent/builders/common/host-ports.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
export const kiln = join(repo, "bin/kiln.js");


export function workspace(template: unknown): string {
  const dir = tempDirSync("kiln-qemu-");
  writeFileSync(join(dir, "template.json"), JSON.stringify(template, null, 2));
  return dir;
}

export function build(dir: string, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<{ status: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [kiln, "build", "-color=false", ...extraArgs, "template.json"], { cwd: dir, env: { ...process.env, ...env } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (status) => done({ status, out }));
  });
}

/** A disk_image qemu builder on `base` (the cached image), with ssh root/packer; `over` replaces keys. */
export function qemuBuilder(base: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "qemu",
    disk_image: true,
    iso_url: base,
    iso_checksum: "none",
    accelerator: "tcg",
    memory: 512,
    output_directory: "out",
    vm_name: "built.qcow2",
    headless: true,
    host_port_min: 21000,
    host_port_max: 21999,
    communicator: "ssh",
    ssh_username: "root",
    ssh_password: BASE_IMAGE_ROOT_PASSWORD,
    ssh_timeout: "5m",
    shutdown_command: "poweroff",
    shutdown_timeout: "2m",
    ...over,
  };
}

/** QEMU processes started by Kiln whose disk is under `dir`. */
export function qemuProcessesUsing(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmd.startsWith("qemu-system") && cmd.includes(dir)) found.push(pid);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Runs `command` over SSH as root, retrying the connection until the guest's sshd answers. */
export async function sshExec(port: number, command: string, deadlineMs: number): Promise<string> {
  const deadline = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await new Promise<string>((resolveOut, reject) => {
        const client = new ssh2.Client();
        client.on("error", reject);
        client.on("ready", () => {
          client.exec(command, (err, stream) => {
            if (err) return reject(err);
            let out = "";
            stream.on("data", (d: Buffer) => (out += d.toString()));
            stream.stderr.on("data", () => undefined);
            stream.on("close", () => {
              client.end();
              resolveOut(out);
            });
          });
        });
        client.connect({ host: "127.0.0.1", port, username: "root", password: BASE_IMAGE_ROOT_PASSWORD, readyTimeout: 20_000 });
      });
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  throw new Error(`ssh to the booted output image never worked: ${String(last)}`);
}


/**
 * Boots a built disk image (in -snapshot mode, so reading it does not change it) with SSH
 * forwarded to a leased loopback port; `stop` kills it and frees the port.
 */
export async function bootOutputImage(disk: string): Promise<{ port: number; stop(): void }> {
  const lease = await leasePort(22000, 22999, "127.0.0.1", "test");
  const vm = spawn("qemu-system-x86_64", [
    "-machine", "type=pc,accel=tcg", "-m", "512M", "-display", "none", "-snapshot",
    "-netdev", `user,id=n0,hostfwd=tcp:127.0.0.1:${lease.port}-:22`, "-device", "virtio-net,netdev=n0",
    "-drive", `file=${disk},if=virtio,format=qcow2`,
  ], { stdio: "ignore" });
  return {
    port: lease.port,
    stop() {
      vm.kill("SIGKILL");
      lease.release();
    },
  };
}
