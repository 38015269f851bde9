import test from "ava";
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { plugin } from "../../../agent/postprocessors/checksum/index.js";
import type { Artifact } from "../../../agent/runner/artifact.js";
import type { Config } from "../../../shared/components/post-processors/checksum.js";
import { ConfigErrors } from "../../../shared/components/problems.js";
import { interpolationEngineReady, prepareContext, recordingContext, tempDir } from "../fixtures/recording-run-context.js";

const run = promisify(execFile);
const engineTest = interpolationEngineReady ? test : test.skip;

function prepare(dir: string, config: Record<string, unknown>): Config {
  return plugin.schema.prepare({ type: "checksum", config }, prepareContext(dir, { name: "b", type: "null" }, {}));
}

function artifact(files: string[]): Artifact {
  return { builderId: "packer.file", id: "x", files, description: "test" };
}

async function fixtureFiles(dir: string): Promise<Record<string, Buffer>> {
  const files = { "disk.img": randomBytes(3 * 1024 * 1024 + 17), "out/meta.json": Buffer.from('{"a":1}\n') };
  await mkdir(join(dir, "out"));
  for (const [name, body] of Object.entries(files)) await writeFile(join(dir, name), body);
  return files;
}

test("each file gets a `<hex>\\t<name>` line that node:crypto and sha256sum -c agree with", async (t) => {
  const dir = await tempDir();
  const files = await fixtureFiles(dir);
  const { ctx } = recordingContext(dir);
  const input = artifact(Object.keys(files));
  const result = await plugin.postProcess(ctx, prepare(dir, { checksum_types: ["sha256"], output: "SHA256SUMS" }), input);

  const text = await readFile(join(dir, "SHA256SUMS"), "utf8");
  const expected = Object.entries(files)
    .map(([name, body]) => `${createHash("sha256").update(body).digest("hex")}\t${name.split("/").pop()}\n`)
    .join("");
  t.is(text, expected);
  // The file as written, read by the real sha256sum (meta.json is not beside it: Packer writes base names).
  const direct = await run("sha256sum", ["-c", "--ignore-missing", "SHA256SUMS"], { cwd: dir });
  t.is(direct.stdout, "disk.img: OK\n");
  // sha256sum reads the names relative to its cwd: check each file where it lives.
  await writeFile(join(dir, "out", "SUMS"), text.split("\n")[1] + "\n");
  await writeFile(join(dir, "SUMS"), text.split("\n")[0] + "\n");
  const top = await run("sha256sum", ["-c", "SUMS"], { cwd: dir });
  t.is(top.stdout, "disk.img: OK\n");
  const sub = await run("sha256sum", ["-c", "SUMS"], { cwd: join(dir, "out") });
  t.is(sub.stdout, "meta.json: OK\n");

  t.deepEqual(result.artifact.files, ["disk.img", "out/meta.json", "SHA256SUMS"]);
  t.is(result.artifact.builderId, "packer.post-processor.checksum");
  t.true(result.keepInput && result.forceKeepInput === true);
});

test("md5 is the default; every type is computed; an existing sums file is appended to and not claimed", async (t) => {
  const dir = await tempDir();
  await writeFile(join(dir, "f.bin"), "hello");
  const { ctx } = recordingContext(dir);
  t.deepEqual(prepare(dir, {}).checksumTypes, ["md5"]);
  const all = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"] as const;
  for (const type of all) {
    await plugin.postProcess(ctx, prepare(dir, { checksum_types: [type], output: `sums/${type}.txt` }), artifact(["f.bin"]));
    t.is(await readFile(join(dir, "sums", `${type}.txt`), "utf8"), `${createHash(type).update("hello").digest("hex")}\tf.bin\n`);
  }
  const again = await plugin.postProcess(ctx, prepare(dir, { checksum_types: ["md5"], output: "sums/md5.txt" }), artifact(["f.bin"]));
  t.deepEqual(again.artifact.files, ["f.bin"]);
  const lines = (await readFile(join(dir, "sums", "md5.txt"), "utf8")).trim().split("\n");
  t.is(lines.length, 2);
  const check = await run("md5sum", ["-c", join(dir, "sums", "md5.txt")], { cwd: dir });
  t.is(check.stdout, "f.bin: OK\nf.bin: OK\n");
});

test("unknown checksum types are refused with Packer's message", (t) => {
  const err = t.throws(() => prepare("/tmp", { checksum_types: ["sha256", "crc32"] }));
  t.true(err instanceof ConfigErrors);
  t.deepEqual((err as ConfigErrors).problems.map((p) => p.message), ["Unrecognized checksum type: crc32"]);
});

test("a missing input file fails with its name", async (t) => {
  const dir = await tempDir();
  const { ctx } = recordingContext(dir);
  const err = await t.throwsAsync(plugin.postProcess(ctx, prepare(dir, { output: "s" }), artifact(["nope.img"])));
  t.regex(err?.message ?? "", /^unable to compute md5 hash for nope\.img: .*ENOENT/);
});

engineTest("the default output is rendered per type with .BuildName, .BuilderType and .ChecksumType", async (t) => {
  const dir = await tempDir();
  await writeFile(join(dir, "f.bin"), "x");
  const { ctx } = recordingContext(dir, { build: { name: "web", type: "qemu" } });
  const result = await plugin.postProcess(ctx, prepare(dir, { checksum_types: ["md5", "sha1"] }), artifact(["f.bin"]));
  t.deepEqual(result.artifact.files, ["f.bin", "packer_web_qemu_md5.checksum", "packer_web_qemu_sha1.checksum"]);
  t.is(await readFile(join(dir, "packer_web_qemu_sha1.checksum"), "utf8"), `${createHash("sha1").update("x").digest("hex")}\tf.bin\n`);
});
