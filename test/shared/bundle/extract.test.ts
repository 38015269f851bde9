import test from "ava";
import { execFileSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { lstat, mkdir, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { BundleError, extractBundle, writeBundleSnapshot } from "../../../shared/bundle/index.js";
import { tempDir } from "../../fixtures/temp-dir.js";

/** A work dir with `src/` (what gets packed) and `out/` (where it is extracted). */
async function workDir(t: { teardown(fn: () => Promise<void>): void }): Promise<{ src: string; out: string; tgz: string }> {
  const dir = await tempDir("kiln-bundle-");
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, "src"));
  return { src: path.join(dir, "src"), out: path.join(dir, "out"), tgz: path.join(dir, "b.tgz") };
}

/** Packs with the real GNU tar; extra args let a test forge hostile member names. */
function gnuTar(cwd: string, tgz: string, args: string[]): void {
  execFileSync("tar", ["-czf", tgz, ...args], { cwd });
}

test("extracts files, folders, modes and in-bundle links from a real tar.gz (stream and buffer)", async (t) => {
  const { src, out, tgz } = await workDir(t);
  await mkdir(path.join(src, "scripts"));
  await writeFile(path.join(src, "template.json"), '{"builders":[]}');
  await writeFile(path.join(src, "scripts", "setup.sh"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
  await symlink("scripts/setup.sh", path.join(src, "setup-link.sh"));
  gnuTar(src, tgz, ["."]);

  const result = await extractBundle(createReadStream(tgz), out);
  t.deepEqual(result.files.sort(), ["scripts/setup.sh", "template.json"]);
  t.is(await readFile(path.join(out, "template.json"), "utf8"), '{"builders":[]}');
  t.is((await lstat(path.join(out, "scripts", "setup.sh"))).mode & 0o111, 0o111);
  t.is(await readlink(path.join(out, "setup-link.sh")), "scripts/setup.sh");
  t.is(await readFile(path.join(out, "setup-link.sh"), "utf8"), "#!/bin/sh\necho hi\n");

  const out2 = `${out}-buffer`;
  t.teardown(() => rm(out2, { recursive: true, force: true }));
  const again = await extractBundle(await readFile(tgz), out2);
  t.is(again.bytes, result.bytes);
});

test("refuses a '..' escape, naming the entry, and writes nothing outside", async (t) => {
  const { src, out, tgz } = await workDir(t);
  await writeFile(path.join(src, "evil.txt"), "x");
  gnuTar(src, tgz, ["-P", "--transform", "s,^,../,", "evil.txt"]);
  const e = await t.throwsAsync(extractBundle(await readFile(tgz), out), { instanceOf: BundleError });
  t.regex(e!.message, /"\.\.\/evil\.txt".*escapes the bundle's root/);
  await t.throwsAsync(lstat(path.join(out, "..", "evil.txt")));
});

test("refuses an absolute path", async (t) => {
  const { src, out, tgz } = await workDir(t);
  await writeFile(path.join(src, "abs.txt"), "x");
  gnuTar(src, tgz, ["-P", "--transform", "s,^,/tmp/kiln-absolute-,", "abs.txt"]);
  const e = await t.throwsAsync(extractBundle(await readFile(tgz), out), { instanceOf: BundleError });
  t.regex(e!.message, /"\/tmp\/kiln-absolute-abs\.txt".*absolute paths are not allowed/);
  t.is(e!.entry, "/tmp/kiln-absolute-abs.txt");
});

test("refuses symlinks pointing outside, absolute or relative", async (t) => {
  const { src, out, tgz } = await workDir(t);
  await symlink("/etc/passwd", path.join(src, "passwd"));
  gnuTar(src, tgz, ["passwd"]);
  const abs = await t.throwsAsync(extractBundle(await readFile(tgz), out), { instanceOf: BundleError });
  t.regex(abs!.message, /"passwd": a symlink to an absolute path \(\/etc\/passwd\) points outside/);

  const { src: src2, out: out2, tgz: tgz2 } = await workDir(t);
  await symlink("../../..", path.join(src2, "up"));
  gnuTar(src2, tgz2, ["up"]);
  const rel = await t.throwsAsync(extractBundle(await readFile(tgz2), out2), { instanceOf: BundleError });
  t.regex(rel!.message, /"up": the symlink target "\.\.\/\.\.\/\.\." points outside the bundle/);
});

test("refuses a file written through a link chain that leaves the root", async (t) => {
  // x -> . is fine alone; x/y -> ../z lexically stays inside but really resolves outside.
  const { src, out, tgz } = await workDir(t);
  await symlink(".", path.join(src, "x"));
  await symlink("../z", path.join(src, "y"));
  gnuTar(src, tgz, ["x", "-P", "--transform", "s,^y,x/y,", "y"]);
  const e = await t.throwsAsync(extractBundle(await readFile(tgz), out), { instanceOf: BundleError });
  t.regex(e!.message, /"x\/y"/);
});

test("refuses hard links to files outside the bundle and device files", async (t) => {
  const { src, out, tgz } = await workDir(t);
  await writeFile(path.join(src, "a"), "a");
  // A hard link member whose target name escapes (GNU tar writes the name it is told with -P).
  execFileSync("ln", [path.join(src, "a"), path.join(src, "b")]);
  gnuTar(src, tgz, ["-P", "--transform", "s,^a$,../outside,", "a", "b"]);
  const hard = await t.throwsAsync(extractBundle(await readFile(tgz), out), { instanceOf: BundleError });
  t.regex(hard!.message, /"\.\.\/outside"/);

  const { src: src2, out: out2, tgz: tgz2 } = await workDir(t);
  execFileSync("mkfifo", [path.join(src2, "fifo")]);
  gnuTar(src2, tgz2, ["fifo"]);
  const fifo = await t.throwsAsync(extractBundle(await readFile(tgz2), out2), { instanceOf: BundleError });
  t.regex(fifo!.message, /"fifo" is a FIFO/);
});

test("refuses bundles over the size limit, compressed or uncompressed", async (t) => {
  const { src, out, tgz } = await workDir(t);
  await writeFile(path.join(src, "zeros.bin"), Buffer.alloc(4 * 1024 * 1024));
  gnuTar(src, tgz, ["zeros.bin"]);
  const compressedSize = (await readFile(tgz)).length;
  t.true(compressedSize < 1024 * 1024);

  const unpacked = await t.throwsAsync(extractBundle(createReadStream(tgz), out, { maxBytes: 1024 * 1024 }), { instanceOf: BundleError });
  t.regex(unpacked!.message, /"zeros\.bin": the bundle's files add up to more than 1 MiB/);

  const packed = await t.throwsAsync(extractBundle(createReadStream(tgz), `${out}-2`, { maxBytes: compressedSize - 1 }), { instanceOf: BundleError });
  t.regex(packed!.message, /the bundle is larger than .* compressed/);
  await rm(`${out}-2`, { recursive: true, force: true });
});

test("garbage is refused as not a tar.gz", async (t) => {
  const { out } = await workDir(t);
  const e = await t.throwsAsync(extractBundle(Buffer.from("this is not a tarball at all, just some words ".repeat(40)), out), { instanceOf: BundleError });
  t.regex(e!.message, /not a readable tar\.gz/);
});

test("a small bundle of folders and files can be kept in memory and written again the same, without the tar.gz", async (t) => {
  const { src, out, tgz } = await workDir(t);
  await mkdir(path.join(src, "scripts", "empty"), { recursive: true });
  await writeFile(path.join(src, "template.json"), '{"builders":[]}');
  await writeFile(path.join(src, "scripts", "setup.sh"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
  gnuTar(src, tgz, ["."]);
  const first = await extractBundle(createReadStream(tgz), out, { snapshotUpTo: 1024 });
  t.truthy(first.snapshot);
  await rm(tgz);
  const again = `${out}-again`;
  t.teardown(() => rm(again, { recursive: true, force: true }));
  const written = await writeBundleSnapshot(first.snapshot!, again);
  t.deepEqual(written.files.sort(), first.files.sort());
  t.is(written.bytes, first.bytes);
  t.is(await readFile(path.join(again, "scripts", "setup.sh"), "utf8"), "#!/bin/sh\necho hi\n");
  t.is((await lstat(path.join(again, "scripts", "setup.sh"))).mode & 0o777, (await lstat(path.join(out, "scripts", "setup.sh"))).mode & 0o777);
  t.is((await lstat(path.join(again, "template.json"))).mode & 0o777, (await lstat(path.join(out, "template.json"))).mode & 0o777);
  t.true((await lstat(path.join(again, "scripts", "empty"))).isDirectory());
});

test("a bundle with a link, or bigger than the limit, is not kept in memory", async (t) => {
  const { src, out, tgz } = await workDir(t);
  await writeFile(path.join(src, "template.json"), "x".repeat(2000));
  gnuTar(src, tgz, ["."]);
  t.is((await extractBundle(createReadStream(tgz), out, { snapshotUpTo: 1999 })).snapshot, undefined);
  t.truthy((await extractBundle(createReadStream(tgz), `${out}-2`, { snapshotUpTo: 2000 })).snapshot);
  t.is((await extractBundle(createReadStream(tgz), `${out}-3`)).snapshot, undefined, "only when asked");
  await symlink("template.json", path.join(src, "link.json"));
  gnuTar(src, tgz, ["."]);
  t.is((await extractBundle(createReadStream(tgz), `${out}-4`, { snapshotUpTo: 1 << 20 })).snapshot, undefined);
});
