import test from "ava";
import { availableParallelism } from "node:os";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { plugin } from "../../../agent/postprocessors/compress/index.js";
import type { Artifact } from "../../../agent/runner/artifact.js";
import { detectFormat, type Config } from "../../../shared/components/post-processors/compress.js";
import { ConfigErrors } from "../../../shared/components/problems.js";
import { interpolationEngineReady, prepareContext, recordingContext, tempDir } from "../fixtures/recording-run-context.js";

const run = promisify(execFile);
const engineTest = interpolationEngineReady ? test : test.skip;

function prepare(dir: string, config: Record<string, unknown>): Config {
  return plugin.schema.prepare({ type: "compress", config }, prepareContext(dir, { name: "b", type: "null" }, {}));
}

function artifact(files: string[]): Artifact {
  return { builderId: "packer.file", id: "x", files, description: "test" };
}

/** Two files, one in a sub-folder, one of them big enough to need several reads. */
async function fixture(dir: string): Promise<{ files: string[]; bodies: Buffer[] }> {
  await mkdir(join(dir, "out"));
  const bodies = [randomBytes(2 * 1024 * 1024 + 3), Buffer.from("hello\n".repeat(1000))];
  const files = ["out/disk.img", "notes.txt"];
  await writeFile(join(dir, files[0]!), bodies[0]!);
  await writeFile(join(dir, files[1]!), bodies[1]!);
  return { files, bodies };
}

test(".tar.gz: a gzipped tarball of every file under its base name, checked by gzip -t and GNU tar", async (t) => {
  const dir = await tempDir();
  const { files, bodies } = await fixture(dir);
  const { ctx, texts } = recordingContext(dir);
  const result = await plugin.postProcess(ctx, prepare(dir, { output: "dist/image.tar.gz" }), artifact(files));
  t.deepEqual(result.artifact.files, ["dist/image.tar.gz"]);
  t.is(result.artifact.builderId, "packer.post-processor.compress");
  t.false(result.keepInput);
  t.deepEqual(texts("say"), [`Using pgzip compression with ${availableParallelism()} cores for dist/image.tar.gz`, "Tarring dist/image.tar.gz with pgzip", "Archive dist/image.tar.gz completed"]);
  t.is(result.artifact.description, "compressed artifacts in: dist/image.tar.gz");

  await run("gzip", ["-t", join(dir, "dist/image.tar.gz")]);
  const list = await run("tar", ["-tzf", join(dir, "dist/image.tar.gz")]);
  t.deepEqual(list.stdout.trim().split("\n"), ["disk.img", "notes.txt"]);
  await mkdir(join(dir, "x"));
  await run("tar", ["-xzf", join(dir, "dist/image.tar.gz"), "-C", join(dir, "x")]);
  t.true((await readFile(join(dir, "x/disk.img"))).equals(bodies[0]!));
  t.true((await readFile(join(dir, "x/notes.txt"))).equals(bodies[1]!));
});

test(".tar entries are Packer's GNU-format headers: 'ustar  ' magic, the owner's names, zero times; a long name gets a GNU long-name entry", async (t) => {
  const dir = await tempDir();
  const long = `${"n".repeat(120)}.txt`;
  await writeFile(join(dir, "short.txt"), "short");
  await writeFile(join(dir, long), "long");
  const { ctx } = recordingContext(dir);
  await plugin.postProcess(ctx, prepare(dir, { output: "a.tar" }), artifact(["short.txt", long]));
  const tar = await readFile(join(dir, "a.tar"));
  // The bytes Packer 1.6.6 wrote for a 5-byte 0644 file of root's (Go's tar.FormatGNU).
  t.is(tar.subarray(257, 265).toString("latin1"), "ustar  \0");
  t.is(tar.subarray(100, 108).toString("latin1"), "0000644\0");
  t.is(tar.subarray(136, 148).toString("latin1"), "00000000000\0");
  t.is(tar.subarray(329, 345).toString("latin1"), "0000000\u00000000000\0");
  // The long name's "././@LongLink" entry (after short.txt's header and data) has no device numbers.
  t.is(tar.subarray(1024, 1037).toString("latin1"), "././@LongLink");
  t.true(tar.subarray(1024 + 329, 1024 + 345).equals(Buffer.alloc(16)));
  const listing = await run("tar", ["-tvf", join(dir, "a.tar")]);
  const owner = (await run("stat", ["-c", "%U/%G", join(dir, "short.txt")])).stdout.trim();
  t.regex(listing.stdout, new RegExp(`^-rw-r--r-- ${owner} +5 1970-01-01 00:00 short\\.txt$`, "m"));
  t.deepEqual((await run("tar", ["-tf", join(dir, "a.tar")])).stdout.trim().split("\n"), ["short.txt", long]);
  t.is((await run("tar", ["-xOf", join(dir, "a.tar"), long])).stdout, "long");
});

test(".tar is an uncompressed tarball; a symlinked file is stored as the file it points to", async (t) => {
  const dir = await tempDir();
  await writeFile(join(dir, "real.txt"), "content");
  await symlink(join(dir, "real.txt"), join(dir, "link.txt"));
  const { ctx } = recordingContext(dir);
  await plugin.postProcess(ctx, prepare(dir, { output: "a.tar" }), artifact(["link.txt"]));
  const list = await run("tar", ["-tvf", join(dir, "a.tar")]);
  t.regex(list.stdout, /^-/, "a regular file, not a link");
  const cat = await run("tar", ["-xOf", join(dir, "a.tar"), "link.txt"]);
  t.is(cat.stdout, "content");
  await t.throwsAsync(run("gzip", ["-t", join(dir, "a.tar")]), undefined, "not gzipped");
});

test(".zip holds every file under its artifact path, read back by unzip", async (t) => {
  const dir = await tempDir();
  const { files, bodies } = await fixture(dir);
  const { ctx } = recordingContext(dir);
  await plugin.postProcess(ctx, prepare(dir, { output: "image.zip" }), artifact(files));
  await run("unzip", ["-t", join(dir, "image.zip")]);
  const list = await run("unzip", ["-Z1", join(dir, "image.zip")]);
  t.deepEqual(list.stdout.trim().split("\n"), ["out/disk.img", "notes.txt"]);
  const body = await run("unzip", ["-p", join(dir, "image.zip"), "out/disk.img"], { encoding: "buffer", maxBuffer: 10 * 1024 * 1024 });
  t.true(body.stdout.equals(bodies[0]!));
  // As Packer 1.6.6's (Go's zip.Writer.Create): no entry time and no extra field, so the same
  // files make the same archive on every run.
  const first = await readFile(join(dir, "image.zip"));
  await plugin.postProcess(ctx, prepare(dir, { output: "again.zip" }), artifact(files));
  t.true((await readFile(join(dir, "again.zip"))).equals(first), "the same bytes on a second run");
  const verbose = (await run("zipinfo", ["-v", join(dir, "image.zip"), "notes.txt"])).stdout;
  t.regex(verbose, /length of extra field:\s+0 bytes/);
  t.regex(verbose, /file last modified on \(DOS date\/time\):\s+1980 Jan 1 00:00:00/);
});

test(".gz compresses the one input file; several files are refused as Packer does", async (t) => {
  const dir = await tempDir();
  const { files, bodies } = await fixture(dir);
  const { ctx } = recordingContext(dir);
  await plugin.postProcess(ctx, prepare(dir, { output: "notes.txt.gz", compression_level: 9 }), artifact(["notes.txt"]));
  await run("gzip", ["-t", join(dir, "notes.txt.gz")]);
  const out = await run("gzip", ["-dc", join(dir, "notes.txt.gz")]);
  t.is(out.stdout, bodies[1]!.toString());

  const err = await t.throwsAsync(plugin.postProcess(ctx, prepare(dir, { output: "both.gz" }), artifact(files)));
  t.is(err?.message, "Can only have 1 input file when not using tar/zip. Found 2 files: [out/disk.img notes.txt]");
});

test("compression_level reaches gzip: level 1 output is larger than level 9", async (t) => {
  const dir = await tempDir();
  await writeFile(join(dir, "text"), Array.from({ length: 20000 }, (_, i) => `line ${i} ${i % 97}\n`).join(""));
  const { ctx } = recordingContext(dir);
  await plugin.postProcess(ctx, prepare(dir, { output: "fast.gz", compression_level: 1 }), artifact(["text"]));
  await plugin.postProcess(ctx, prepare(dir, { output: "small.gz", compression_level: 9 }), artifact(["text"]));
  const fast = (await stat(join(dir, "fast.gz"))).size;
  const small = (await stat(join(dir, "small.gz"))).size;
  t.true(fast > small, `${fast} > ${small}`);
});

test("format overrides detection; .tgz and unknown extensions give a gzipped tarball under the name as given", async (t) => {
  const dir = await tempDir();
  await writeFile(join(dir, "f"), "data");
  const { ctx } = recordingContext(dir);
  await plugin.postProcess(ctx, prepare(dir, { output: "bundle", format: "zip" }), artifact(["f"]));
  t.is((await run("unzip", ["-Z1", join(dir, "bundle")])).stdout.trim(), "f");
  await plugin.postProcess(ctx, prepare(dir, { output: "b.tgz" }), artifact(["f"]));
  t.is((await run("tar", ["-tzf", join(dir, "b.tgz")])).stdout.trim(), "f");
});

test("format detection follows Packer's last-two-extensions rule", (t) => {
  t.deepEqual(detectFormat("a.tar.gz"), { archive: "tar", algorithm: "gzip" });
  t.deepEqual(detectFormat("a.gz"), { archive: "none", algorithm: "gzip" });
  t.deepEqual(detectFormat("a.zip"), { archive: "zip" });
  t.deepEqual(detectFormat("a.tar"), { archive: "tar" });
  t.deepEqual(detectFormat("packer_{{.BuildName}}_{{.BuilderType}}"), { archive: "tar", algorithm: "gzip" });
  t.deepEqual(detectFormat("a.tar.xz"), { archive: "tar", algorithm: "xz" });
  t.deepEqual(detectFormat("v1.2.weird"), { archive: "tar", algorithm: "gzip" });
});

test("lz4, bgzf and xz are refused at validation with what to use instead", (t) => {
  for (const output of ["a.tar.xz", "a.lz4", "a.bgzf"]) {
    const err = t.throws(() => prepare("/tmp", { output }));
    t.true(err instanceof ConfigErrors);
    t.regex(err?.message ?? "", /compression is not supported by Kiln yet .*use \.tar\.gz, \.tgz, \.gz, \.tar or \.zip/);
  }
  t.is(prepare("/tmp", { output: "a.gz", compression_level: 42 }).compressionLevel, 9);
  t.is(prepare("/tmp", { output: "a.gz" }).compressionLevel, 6);
});

test("a missing input file fails and leaves no half-written archive", async (t) => {
  const dir = await tempDir();
  const { ctx } = recordingContext(dir);
  const err = await t.throwsAsync(plugin.postProcess(ctx, prepare(dir, { output: "x.tar.gz" }), artifact(["nope"])));
  t.regex(err?.message ?? "", /nope/);
  await t.throwsAsync(stat(join(dir, "x.tar.gz")));
});

engineTest("the default output is packer_<build>_<type>, a gzipped tarball", async (t) => {
  const dir = await tempDir();
  await writeFile(join(dir, "f"), "data");
  const { ctx } = recordingContext(dir, { build: { name: "web", type: "qemu" } });
  const result = await plugin.postProcess(ctx, prepare(dir, {}), artifact(["f"]));
  t.deepEqual(result.artifact.files, ["packer_web_qemu"]);
  t.is((await run("tar", ["-tzf", join(dir, "packer_web_qemu")])).stdout.trim(), "f");
});
