/**
 * The qemu builder's media steps without a VM (the test base image's cloud kernel has no floppy
 * driver): the floppy is read back with mtools, the cd_files ISO with xorriso, both real readers;
 * cleanup removes both images. Bad entries fail with the template key in the message.
 */
import test from "ava";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stepCdFiles } from "../../../../agent/builders/common/step-cd-files.js";
import { stepFloppy } from "../../../../agent/builders/common/step-floppy.js";
import { schema, type Config } from "../../../../shared/components/builders/qemu.js";
import { prepareContext, recordingContext, tempDir } from "../../fixtures/recording-run-context.js";

async function mediaWorkspace(): Promise<string> {
  const dir = await tempDir("kiln-qemu-media-");
  await mkdir(join(dir, "media/drivers/net"), { recursive: true });
  await writeFile(join(dir, "media/hello.txt"), "hello floppy");
  await writeFile(join(dir, "media/drivers/net/e1000.inf"), "driver file");
  await writeFile(join(dir, "media/a.cfg"), "glob a");
  await writeFile(join(dir, "media/b.cfg"), "glob b");
  return dir;
}

function qemuConfig(dir: string, over: Record<string, unknown>): Config {
  const build = { name: "qemu", type: "qemu" };
  return schema.prepare({ type: "qemu", config: { iso_url: "x.iso", iso_checksum: "none", communicator: "none", output_directory: join(dir, "out"), ...over } }, prepareContext(dir, build, {}));
}

test("floppy_files, floppy_dirs and floppy_label make a FAT floppy that mtools reads back; cleanup removes it", async (t) => {
  const dir = await mediaWorkspace();
  const config = qemuConfig(dir, { floppy_files: ["media/hello.txt", "media/*.cfg"], floppy_dirs: ["media/drivers"], floppy_label: "KILNFD" });
  const rc = recordingContext(dir);
  const step = stepFloppy(config);
  const { floppyPath } = await step.run(rc.ctx, {});
  t.truthy(floppyPath);
  const mtools = (cmd: string, ...args: string[]): string => execFileSync(cmd, ["-i", floppyPath!, ...args], { encoding: "utf8", env: { ...process.env, MTOOLS_SKIP_CHECK: "1" } });
  t.is(mtools("mtype", "::/hello.txt"), "hello floppy");
  t.is(mtools("mtype", "::/a.cfg"), "glob a");
  t.is(mtools("mtype", "::/b.cfg"), "glob b");
  t.is(mtools("mtype", "::/drivers/net/e1000.inf"), "driver file");
  t.regex(mtools("mlabel", "-s", "::"), /KILNFD/);
  await step.cleanup!(rc.ctx, { floppyPath });
  t.false(existsSync(floppyPath!));
});

test("cd_files, cd_content and cd_label make an ISO that xorriso reads back; cleanup removes it", async (t) => {
  const dir = await mediaWorkspace();
  const config = qemuConfig(dir, { cd_files: ["media/hello.txt", "media/drivers"], cd_content: { "meta/data.txt": "from cd_content" }, cd_label: "kiln-cd" });
  const rc = recordingContext(dir);
  const step = stepCdFiles(config);
  const { cdPath } = await step.run(rc.ctx, {});
  t.truthy(cdPath);
  const xorriso = (...args: string[]): string => execFileSync("xorriso", ["-indev", cdPath!, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  t.regex(xorriso("-pvd_info"), /Volume Id\s*:\s*kiln-cd/);
  const files = xorriso("-find", "/", "-type", "f").trim().split("\n").map((l) => l.replace(/^'|'$/g, "")).sort();
  t.deepEqual(files, ["/drivers/net/e1000.inf", "/hello.txt", "/meta/data.txt"]);
  const extracted = join(dir, "extracted.txt");
  xorriso("-osirrox", "on", "-extract", "/meta/data.txt", extracted);
  t.is(await readFile(extracted, "utf8"), "from cd_content");
  await step.cleanup!(rc.ctx, { cdPath });
  t.false(existsSync(cdPath!));
});

test("a cd_files entry gone since the template was checked, or a glob matching nothing, names the key", async (t) => {
  const dir = await mediaWorkspace();
  for (const entry of ["media/gone.txt", "media/*.none"]) {
    const rc = recordingContext(dir);
    // Prepare refuses a missing file (Packer's CDConfig); the step still checks what it finds at build time.
    await writeFile(join(dir, "media/gone.txt"), "");
    const config = qemuConfig(dir, { cd_files: [entry] });
    await rm(join(dir, "media/gone.txt"));
    const err = await t.throwsAsync(stepCdFiles(config).run(rc.ctx, {}));
    t.regex(err!.message, new RegExp(`^cd_files: '${entry.replace(/[.*]/g, "\\$&")}'`));
  }
});
