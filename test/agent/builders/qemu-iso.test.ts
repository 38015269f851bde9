/**
 * The qemu builder's ISO path on real QEMU (TCG), through `kiln build`: the installer ISO is
 * served over http on loopback and verified by sha256, an empty raw disk is created, the ISO
 * boots once from CD-ROM and waits at isolinux's `boot:` until the boot_command types the kernel
 * arguments; the installer fetches a file from http_directory, reads a file from the cd_files CD
 * (found by cd_label) and writes a record on the disk, then powers off (communicator none).
 * Also: a wrong iso_checksum fails before anything is created, and builds share one download.
 */
import test from "ava";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, open, readdir, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { baseImage } from "../../fixtures/base-image.js";
import { INSTALLER_CD_FILE, INSTALLER_CD_LABEL, installerIso, parseInstallRecord } from "../../fixtures/installer-iso.js";
import { build, qemuProcessesUsing, workspace } from "./qemu-harness.js";
import { tempDir } from "../../fixtures/temp-dir.js";

interface Mirror { base: string; requests: Map<string, number> }

let iso: string;
let isoSha256: string;
let disk: string;
let diskSha256: string;
let mirror: Mirror;
let stopMirror: (() => void) | undefined;

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

test.before(async () => {
  iso = await installerIso();
  isoSha256 = await sha256Of(iso);
  disk = await baseImage();
  diskSha256 = await sha256Of(disk);
  // A loopback mirror counting requests per path: *.iso serves the installer, *.qcow2 the base image.
  const requests = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? "/";
    requests.set(path, (requests.get(path) ?? 0) + 1);
    const file = path.endsWith(".iso") ? iso : path.endsWith(".qcow2") ? disk : undefined;
    if (!file) return void res.writeHead(404).end("not found");
    res.writeHead(200, { "content-type": "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  mirror = { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
  stopMirror = () => {
    server.closeAllConnections();
    server.close();
  };
});

test.after.always(() => stopMirror?.());

/** A download cache of the test's own, for the `kiln build` children (they inherit the env; tests are serial). */
async function freshCache(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await tempDir("kiln-iso-cache-");
  process.env.KILN_CACHE_DIR = dir;
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function isoBuilder(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "qemu",
    iso_url: `${mirror.base}/installer.iso`,
    iso_checksum: `sha256:${isoSha256}`,
    accelerator: "tcg",
    memory: 512,
    format: "raw",
    disk_size: "64M",
    output_directory: "out",
    vm_name: "installed.raw",
    headless: true,
    communicator: "none",
    shutdown_timeout: "8m",
    ...over,
  };
}

/** Files in the shared cache that a failed or finished download must never leave: partial files and locks. */
async function leftoversIn(cacheDir: string): Promise<string[]> {
  const names = await readdir(cacheDir).catch(() => [] as string[]);
  return names.filter((n) => n.includes(".part-") || n.endsWith(".lock"));
}

test.serial("an installer ISO downloaded over http boots from CD-ROM; the boot_command reaches the kernel; the installer reads http_directory and the cd_files CD and writes the disk", async (t) => {
  t.timeout(15 * 60_000);
  const cacheDir = await freshCache(t);
  const marker = randomBytes(6).toString("hex");
  const dir = workspace({
    builders: [isoBuilder({
      // isolinux waits at boot: forever, so only this typed line boots the installer.
      boot_wait: "10s",
      boot_command: [`install kiln.marker=${marker} kiln.url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/payload.txt<enter>`],
      http_directory: "http",
      cd_files: ["cd/*.txt"],
      cd_label: INSTALLER_CD_LABEL,
    })],
  });
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, "http"));
  await writeFile(join(dir, "http/payload.txt"), `payload ${marker} from http_directory\n`);
  await mkdir(join(dir, "cd"));
  await writeFile(join(dir, "cd", INSTALLER_CD_FILE), `answer ${marker} from cd_files\n`);

  const started = Date.now();
  const r = await build(dir);
  t.log(`kiln build (download, boot from CD, install, power off) took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  t.is(r.status, 0, r.out);
  t.regex(r.out, /Starting VM, booting from CD-ROM/);
  t.regex(r.out, /Creating CD disk/);
  t.deepEqual(qemuProcessesUsing(dir), []);

  const disk = join(dir, "out/installed.raw");
  const handle = await open(disk, "r");
  const head = Buffer.alloc(4096);
  try {
    await handle.read(head, 0, head.length, 0);
    t.is((await handle.stat()).size, 64 * 1024 * 1024); // disk_size, raw
  } finally {
    await handle.close();
  }
  const record = parseInstallRecord(head);
  t.regex(record.cmdline, new RegExp(`(^| )kiln\\.marker=${marker}( |$)`));
  t.regex(record.cmdline, /kiln\.url=http:\/\/10\.0\.2\.2:\d+\/payload\.txt/);
  t.is(record.payload, `payload ${marker} from http_directory`);
  t.is(record.cd, `answer ${marker} from cd_files`);
  // The ISO is in the cache under its checksum, whole; nothing partial beside it.
  t.true(existsSync(join(cacheDir, `sha256-${isoSha256}.iso`)));
  t.deepEqual(await leftoversIn(cacheDir), []);
});

test.serial("a wrong iso_checksum fails with both digests before anything is created: no output directory, nothing in the cache", async (t) => {
  const cacheDir = await freshCache(t);
  const wrong = "0f".repeat(32);
  const dir = workspace({ builders: [isoBuilder({ iso_url: `${mirror.base}/wrong-sum.iso`, iso_checksum: `sha256:${wrong}` })] });
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const r = await build(dir);
  t.is(r.status, 1, r.out);
  t.regex(r.out, /iso_checksum/);
  t.true(r.out.includes(`expected sha256:${wrong}`), r.out);
  t.true(r.out.includes(`got sha256:${isoSha256}`), r.out);
  t.is(mirror.requests.get("/wrong-sum.iso"), 1); // it really downloaded, then refused the file
  t.false(existsSync(join(dir, "out")));
  t.false(existsSync(join(cacheDir, `sha256-${wrong}.iso`)));
  t.deepEqual(await leftoversIn(cacheDir), []);
  t.deepEqual(qemuProcessesUsing(dir), []);
});

test.serial("two builds of one ISO share one download through the cache (no boot: QEMU is `false`)", async (t) => {
  const cacheDir = await freshCache(t);
  const builder = (name: string): Record<string, unknown> => isoBuilder({ name, iso_url: `${mirror.base}/shared.iso`, output_directory: `out-${name}`, qemu_binary: "false" });
  const dir = workspace({ builders: [builder("one"), builder("two")] });
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const r = await build(dir);
  t.is(r.status, 1, r.out); // both fail at "run qemu", after download, media and disk
  t.is(mirror.requests.get("/shared.iso"), 1, r.out);
  t.regex(r.out, /one: Retrieving ISO/);
  t.regex(r.out, /two: Retrieving ISO/);
  t.regex(r.out, /false exited at start/);
  t.false(existsSync(join(dir, "out-one")));
  t.false(existsSync(join(dir, "out-two")));
  t.true(existsSync(join(cacheDir, `sha256-${isoSha256}.iso`)));
  t.deepEqual(await leftoversIn(cacheDir), []);
});

test.serial("disk_image from an http iso_url is downloaded into the cache, verified and copied (no boot: QEMU is `false`)", async (t) => {
  const cacheDir = await freshCache(t);
  const dir = workspace({ builders: [isoBuilder({
    disk_image: true, iso_url: `${mirror.base}/base.qcow2`, iso_checksum: `sha256:${diskSha256}`, iso_target_extension: "qcow2",
    format: "qcow2", vm_name: "disk.qcow2", qemu_binary: "false",
  })] });
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const r = await build(dir);
  t.is(r.status, 1, r.out);
  t.regex(r.out, /Retrieving disk image/);
  t.regex(r.out, /Copying hard drive .*sha256-[0-9a-f]{64}\.qcow2/);
  t.regex(r.out, /false exited at start/);
  t.is(mirror.requests.get("/base.qcow2"), 1);
  t.is(await sha256Of(join(cacheDir, `sha256-${diskSha256}.qcow2`)), diskSha256);
  t.false(existsSync(join(dir, "out")));
  t.deepEqual(await leftoversIn(cacheDir), []);
});

test.serial("disk_image from a local file is verified too: a wrong iso_checksum fails before the output directory exists", async (t) => {
  await freshCache(t);
  const wrong = "ab".repeat(32);
  const dir = workspace({ builders: [isoBuilder({ disk_image: true, iso_url: disk, iso_checksum: `sha256:${wrong}`, format: "qcow2" })] });
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const r = await build(dir);
  t.is(r.status, 1, r.out);
  t.true(r.out.includes(`expected sha256:${wrong}, got sha256:${diskSha256}`), r.out);
  t.regex(r.out, /iso_checksum/);
  t.false(existsSync(join(dir, "out")));
});
