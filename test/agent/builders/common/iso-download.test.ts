import test from "ava";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ChecksumError, downloadIso, IsoDownloadError } from "../../../../agent/builders/common/iso-download/index.js";
import { tempDir } from "../../../fixtures/temp-dir.js";

const iso = randomBytes(3 * 1024 * 1024 + 17);
const sha256 = createHash("sha256").update(iso).digest("hex");
const md5 = createHash("md5").update(iso).digest("hex");

interface Mirror { base: string; requests: Map<string, number>; server: Server }

// A loopback mirror that counts requests per path; /slow.iso sends half the file and stalls.
async function mirror(t: { teardown(fn: () => Promise<void> | void): void }): Promise<Mirror> {
  const requests = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? "/";
    requests.set(path, (requests.get(path) ?? 0) + 1);
    if (path === "/debian.iso") {
      res.writeHead(200, { "content-length": iso.length });
      // Two chunks with a pause: concurrent builds really overlap with the download.
      res.write(iso.subarray(0, 1024 * 1024));
      setTimeout(() => res.end(iso.subarray(1024 * 1024)), 150);
    } else if (path === "/SHA256SUMS") {
      res.end(`${"0".repeat(64)}  other.iso\n${sha256} *debian.iso\n`);
    } else if (path === "/BSDSUMS") {
      res.end(`SHA256 (debian.iso) = ${sha256}\n`);
    } else if (path === "/slow.iso") {
      res.writeHead(200, { "content-length": iso.length });
      res.write(iso.subarray(0, 1000));
    } else {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.teardown(() => { server.closeAllConnections(); server.close(); });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

async function scratch(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await tempDir("kiln-iso-");
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test("four concurrent builds of one ISO download it once and share the verified cache entry", async (t) => {
  const m = await mirror(t);
  const cacheDir = join(await scratch(t), "cache");
  const results = await Promise.all(
    Array.from({ length: 4 }, () => downloadIso({ urls: [`${m.base}/debian.iso`], checksum: `sha256:${sha256}`, cacheDir, cwd: "/" })),
  );
  t.is(m.requests.get("/debian.iso"), 1);
  t.is(new Set(results.map((r) => r.path)).size, 1);
  t.is(results.filter((r) => r.downloaded).length, 1);
  t.true((await readFile(results[0].path)).equals(iso));
  t.deepEqual(await readdir(cacheDir), [`sha256-${sha256}.iso`]);
  // A later build finds it in the cache without asking the mirror.
  const later = await downloadIso({ urls: [`${m.base}/debian.iso`], checksum: sha256.toUpperCase(), cacheDir, cwd: "/" });
  t.false(later.downloaded);
  t.is(m.requests.get("/debian.iso"), 1);
});

test("a wrong checksum is a clear error and leaves nothing in the cache", async (t) => {
  const m = await mirror(t);
  const cacheDir = join(await scratch(t), "cache");
  const wrong = "ab".repeat(32);
  const err = await t.throwsAsync(downloadIso({ urls: [`${m.base}/debian.iso`], checksum: `sha256:${wrong}`, cacheDir, cwd: "/" }), { instanceOf: IsoDownloadError });
  t.regex(err!.message, new RegExp(`debian.iso: checksums did not match: expected sha256:${wrong}, got sha256:${sha256}`));
  t.deepEqual(await readdir(cacheDir), []);
});

test("checksum files: remote sha256sum and BSD formats, md5 bare hex, none", async (t) => {
  const m = await mirror(t);
  const dir = await scratch(t);
  for (const checksum of [`file:${m.base}/SHA256SUMS`, `file:${m.base}/BSDSUMS`, md5, "none"]) {
    const cacheDir = join(dir, `cache-${m.requests.size}-${checksum.length}`);
    const r = await downloadIso({ urls: [`${m.base}/debian.iso`], checksum, cacheDir, cwd: "/" });
    t.true((await readFile(r.path)).equals(iso), checksum);
  }
  await writeFile(join(dir, "SUMS"), `${sha256}  debian.iso\n`);
  t.true((await downloadIso({ urls: [`${m.base}/debian.iso`], checksum: "file:SUMS", cacheDir: join(dir, "c2"), cwd: dir })).downloaded);
  await t.throwsAsync(downloadIso({ urls: [`${m.base}/debian.iso`], checksum: `file:${m.base}/nothing`, cacheDir: join(dir, "c3"), cwd: "/" }), {
    instanceOf: ChecksumError, message: /iso_checksum "file:.*\/nothing": HTTP 404/,
  });
  await t.throwsAsync(downloadIso({ urls: [`${m.base}/debian.iso`], checksum: "sha256:1234", cacheDir: join(dir, "c4"), cwd: "/" }), { instanceOf: ChecksumError });
});

test("iso_urls: a failing mirror is skipped; all failing names each", async (t) => {
  const m = await mirror(t);
  const cacheDir = join(await scratch(t), "cache");
  const r = await downloadIso({ urls: [`${m.base}/missing.iso`, `${m.base}/debian.iso`], checksum: `sha256:${sha256}`, cacheDir, cwd: "/" });
  t.is(r.url, `${m.base}/debian.iso`);
  const err = await t.throwsAsync(downloadIso({ urls: [`${m.base}/a.iso`, `${m.base}/b.iso`], checksum: "none", cacheDir, cwd: "/" }));
  t.regex(err!.message, /a\.iso: HTTP 404[\s\S]*b\.iso: HTTP 404/);
});

test("local paths and file:// URLs are used in place after verification", async (t) => {
  const dir = await scratch(t);
  await mkdir(join(dir, "isos"));
  const path = join(dir, "isos", "local.iso");
  await writeFile(path, iso);
  for (const url of [path, "isos/local.iso", pathToFileURL(path).href]) {
    const r = await downloadIso({ urls: [url], checksum: `sha256:${sha256}`, cacheDir: join(dir, "cache"), cwd: dir });
    t.is(r.path, path);
  }
  await t.throwsAsync(downloadIso({ urls: [path], checksum: `md5:${"0".repeat(32)}`, cacheDir: join(dir, "cache"), cwd: dir }), { message: /checksums did not match: expected md5:0+, got md5:/ });
});

test("cancelling a download leaves no partial file and no lock", async (t) => {
  const m = await mirror(t);
  const cacheDir = join(await scratch(t), "cache");
  const abort = new AbortController();
  setTimeout(() => abort.abort(new Error("cancelled")), 300);
  await t.throwsAsync(downloadIso({ urls: [`${m.base}/slow.iso`], checksum: `sha256:${sha256}`, cacheDir, cwd: "/", signal: abort.signal }));
  t.deepEqual(await readdir(cacheDir), []);
});

test("a lock left by a dead process is taken over", async (t) => {
  const m = await mirror(t);
  const cacheDir = join(await scratch(t), "cache");
  await mkdir(cacheDir);
  const dead = spawnSync("true").pid!;
  await writeFile(join(cacheDir, `sha256-${sha256}.iso.lock`), String(dead));
  const r = await downloadIso({ urls: [`${m.base}/debian.iso`], checksum: `sha256:${sha256}`, cacheDir, cwd: "/" });
  t.true(r.downloaded);
  t.deepEqual(await readdir(cacheDir), [`sha256-${sha256}.iso`]);
});
