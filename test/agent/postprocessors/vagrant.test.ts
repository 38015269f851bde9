/**
 * The vagrant post-processor's boxes, read back with GNU tar and qemu-img and added with Debian's
 * real `vagrant` (2.3) into a throwaway VAGRANT_HOME. The qemu → box → boot round trip is in
 * vagrant-qemu.test.ts.
 */
import test from "ava";
import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { plugin } from "../../../agent/postprocessors/vagrant/index.js";
import type { Artifact } from "../../../agent/runner/artifact.js";
import type { Config } from "../../../shared/components/post-processors/vagrant.js";
import { prepareContext, recordingContext, tempDir } from "../fixtures/recording-run-context.js";

const run = promisify(execFile);

function prepare(dir: string, config: Record<string, unknown>): Config {
  return plugin.schema.prepare({ type: "vagrant", config }, prepareContext(dir, { name: "b", type: "qemu" }, {}));
}

async function hasProgram(name: string): Promise<boolean> {
  try {
    await run("sh", ["-c", `command -v ${name}`]);
    return true;
  } catch {
    return false;
  }
}
const vagrantTest = (await hasProgram("vagrant")) ? test : test.skip;
if (!(await hasProgram("vagrant"))) console.log("vagrant.test: `vagrant` is not installed (apt install vagrant; .ci/run does): the vagrant box add checks skip");

/** A qcow2 overlay on a base holding known bytes, as the qemu builder's use_backing_file leaves. */
async function qemuArtifact(dir: string): Promise<Artifact> {
  await mkdir(join(dir, "out"));
  await run("qemu-img", ["create", "-f", "raw", join(dir, "base.raw"), "3G"]);
  await run("sh", ["-c", `printf 'kiln-base-marker' | dd of=${join(dir, "base.raw")} bs=1 seek=1048576 conv=notrunc status=none`]);
  await run("qemu-img", ["create", "-f", "qcow2", "-F", "raw", "-b", join(dir, "base.raw"), join(dir, "out/disk.qcow2")]);
  return {
    builderId: "transcend.qemu",
    id: "VM",
    files: ["out/disk.qcow2"],
    description: "VM files in directory: out",
    state: { diskType: "qcow2", diskSize: "3072M", domainType: "tcg", diskPath: "out/disk.qcow2" },
  };
}

async function tarList(box: string, gzip = true): Promise<string[]> {
  const { stdout } = await run("tar", [gzip ? "-tzf" : "-tf", box]);
  return stdout.trim().split("\n").sort();
}

async function vagrantBoxAdd(box: string, name: string): Promise<string> {
  const home = await tempDir("kiln-vagrant-home-");
  const env = { ...process.env, VAGRANT_HOME: home, VAGRANT_CHECKPOINT_DISABLE: "1" };
  await run("vagrant", ["box", "add", "--name", name, box], { env, timeout: 120_000 });
  const { stdout } = await run("vagrant", ["box", "list"], { env, timeout: 60_000 });
  return stdout;
}

test("qemu artifact → libvirt box: box.img flattened off its backing file, metadata with format and size in GB, libvirt driver qemu for TCG", async (t) => {
  const dir = await tempDir();
  const input = await qemuArtifact(dir);
  const { ctx, texts } = recordingContext(dir, { build: { name: "deb", type: "qemu" } });
  const result = await plugin.postProcess(ctx, prepare(dir, {}), input);
  t.deepEqual(result.artifact, {
    builderId: "mitchellh.post-processor.vagrant",
    id: "libvirt",
    files: ["packer_deb_libvirt.box"],
    description: "'libvirt' provider box: packer_deb_libvirt.box",
  });
  t.false(result.keepInput);
  t.deepEqual(texts("say"), ["Creating Vagrant box for 'libvirt' provider"]);
  const box = join(dir, "packer_deb_libvirt.box");
  t.deepEqual(await tarList(box), ["Vagrantfile", "box.img", "metadata.json"]);
  const x = join(dir, "x");
  await mkdir(x);
  await run("tar", ["-xzf", box, "-C", x]);
  t.deepEqual(JSON.parse(await readFile(join(x, "metadata.json"), "utf8")), { provider: "libvirt", format: "qcow2", virtual_size: 3 });
  const vagrantfile = await readFile(join(x, "Vagrantfile"), "utf8");
  t.regex(vagrantfile, /libvirt\.driver = "qemu"/);
  t.regex(vagrantfile, /provided by the Packer Vagrant post-processor/);
  const info = JSON.parse((await run("qemu-img", ["info", "--output=json", join(x, "box.img")])).stdout) as Record<string, unknown>;
  t.is(info.format, "qcow2");
  t.is(info["backing-filename"], undefined, "a box must not depend on a file of the build host");
  const { stdout } = await run("qemu-img", ["dd", "-f", "qcow2", "-O", "raw", `if=${join(x, "box.img")}`, `of=${join(x, "head.raw")}`, "bs=1M", "count=2"]);
  t.is(stdout, "");
  t.regex((await readFile(join(x, "head.raw"))).subarray(1048576, 1048576 + 16).toString(), /kiln-base-marker/);
});

vagrantTest("vagrant box add accepts the libvirt box and lists it for the libvirt provider", async (t) => {
  t.timeout(180_000);
  const dir = await tempDir();
  const { ctx } = recordingContext(dir, { build: { name: "deb", type: "qemu" } });
  await plugin.postProcess(ctx, prepare(dir, { output: "boxes/{{.BuildName}}-{{.Provider}}.box" }), await qemuArtifact(dir));
  const list = await vagrantBoxAdd(join(dir, "boxes/deb-libvirt.box"), "kiln/deb");
  t.regex(list, /^kiln\/deb\s+\(libvirt, 0\)/m);
});

vagrantTest("docker commit artifact → docker box whose Vagrantfile names the image; vagrant box add takes it", async (t) => {
  t.timeout(180_000);
  const dir = await tempDir();
  const { ctx } = recordingContext(dir, { build: { name: "app", type: "docker" } });
  const input: Artifact = { builderId: "packer.post-processor.docker-import", id: "sha256:0123abcd", files: [], description: "Imported Docker image: sha256:0123abcd" };
  const result = await plugin.postProcess(ctx, prepare(dir, {}), input);
  t.deepEqual(result.artifact.files, ["packer_app_docker.box"]);
  const box = join(dir, "packer_app_docker.box");
  t.deepEqual(await tarList(box), ["Vagrantfile", "metadata.json"]);
  const { stdout } = await run("tar", ["-xzOf", box, "Vagrantfile"]);
  t.regex(stdout, /docker\.image = "sha256:0123abcd"/);
  t.regex(await vagrantBoxAdd(box, "kiln/app"), /^kiln\/app\s+\(docker, 0\)/m);
});

test("amazon-ebs artifact → aws box with one region_config per region, in region order", async (t) => {
  const dir = await tempDir();
  const { ctx } = recordingContext(dir, { build: { name: "ami", type: "amazon-ebs" } });
  const input: Artifact = { builderId: "mitchellh.amazonebs", id: "us-west-2:ami-2,eu-west-1:ami-1", files: [], description: "AMIs were created" };
  await plugin.postProcess(ctx, prepare(dir, {}), input);
  const { stdout } = await run("tar", ["-xzOf", join(dir, "packer_ami_aws.box"), "Vagrantfile"]);
  const regions = [...stdout.matchAll(/aws\.region_config "([^"]+)", ami: "([^"]+)"/g)].map((m) => `${m[1]}=${m[2]}`);
  t.deepEqual(regions, ["eu-west-1=ami-1", "us-west-2=ami-2"]);
  const bad: Artifact = { ...input, id: "ami-without-region" };
  await t.throwsAsync(plugin.postProcess(ctx, prepare(dir, { output: "b2.box" }), bad), { message: "Poorly formatted artifact ID: ami-without-region" });
});

test("include files, a vagrantfile_template rendered with the box's data, compression_level 0 (plain tar), and override per provider", async (t) => {
  const dir = await tempDir();
  await writeFile(join(dir, "info.json"), '{"author":"ops"}');
  await writeFile(join(dir, "Vagrantfile.tpl"), 'config.vm.box_url = "{{ .BuildName }}/{{ .Provider }}/{{ .ArtifactId }}"\n');
  const { ctx, texts } = recordingContext(dir, { build: { name: "deb", type: "qemu" } });
  const config = prepare(dir, {
    include: ["info.json"],
    vagrantfile_template: "Vagrantfile.tpl",
    output: "default.box",
    override: { libvirt: { output: "lv-{{.Provider}}.box", compression_level: 0 } },
  });
  await plugin.postProcess(ctx, config, await qemuArtifact(dir));
  const box = join(dir, "lv-libvirt.box");
  t.deepEqual(await tarList(box, false), ["Vagrantfile", "box.img", "info.json", "metadata.json"]);
  const { stdout } = await run("tar", ["-xOf", box, "Vagrantfile"]);
  t.regex(stdout, /config\.vm\.box_url = "deb\/libvirt\/VM"/);
  t.deepEqual(texts("message").slice(0, 1), ["Copying from include: info.json"]);
  t.true(texts("message").includes("Using custom Vagrantfile: Vagrantfile.tpl"));
});

test("unknown artifact types and artifice without provider_override fail with Packer's messages; no box is left", async (t) => {
  const dir = await tempDir();
  const { ctx } = recordingContext(dir);
  await t.throwsAsync(plugin.postProcess(ctx, prepare(dir, {}), { builderId: "packer.file", id: "f", files: [], description: "" }), {
    message: "Unknown artifact type, can't build box: packer.file",
  });
  await t.throwsAsync(plugin.postProcess(ctx, prepare(dir, {}), { builderId: "packer.post-processor.artifice", id: "", files: [], description: "" }), {
    message: /you need to set the provider_override option/,
  });
  const { stdout } = await run("ls", ["-A", dir]);
  t.false(/\.box/.test(stdout));
});

test("provider_override makes an artifice artifact (a disk from elsewhere) into a libvirt box", async (t) => {
  const dir = await tempDir();
  const q = await qemuArtifact(dir);
  const { ctx } = recordingContext(dir, { build: { name: "x", type: "null" } });
  const input: Artifact = { builderId: "packer.post-processor.artifice", id: "", files: q.files, description: "" };
  const result = await plugin.postProcess(ctx, prepare(dir, { provider_override: "libvirt" }), input);
  t.is(result.artifact.id, "libvirt");
  t.deepEqual(await tarList(join(dir, "packer_x_libvirt.box")), ["Vagrantfile", "box.img", "metadata.json"]);
});
