/**
 * The qemu builder's export hook with the real qemu-img and qemu-io: an overlay is flattened in
 * place into a self-contained qcow2 holding both its own blocks and its base's; a disk without a
 * backing file is left untouched.
 */
import test from "ava";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exportArtifact } from "../../../../agent/builders/qemu/export-artifact.js";
import type { Artifact } from "../../../../agent/runner/artifact.js";
import type { BuildUi } from "../../../../agent/runner/ui.js";
import { tempDirSync } from "../../../fixtures/temp-dir.js";

function qemuImg(...args: string[]): string {
  return execFileSync("qemu-img", args, { encoding: "utf8" });
}

/** qemu-io's exit code is 0 even when a pattern check fails, so read its output. */
function readsPattern(file: string, pattern: string, offset: string): boolean {
  const out = execFileSync("qemu-io", ["-f", "qcow2", "-r", "-c", `read -P ${pattern} ${offset} 64k`, file], { encoding: "utf8" });
  return !/Pattern verification failed/.test(out);
}

function backingOf(file: string): string | undefined {
  return (JSON.parse(qemuImg("info", "--output=json", file)) as { "backing-filename"?: string })["backing-filename"];
}

function recordingUi(lines: string[]): BuildUi {
  return { say: (m) => lines.push(m), message: (m) => lines.push(m), error: (m) => lines.push(m), machine: () => undefined };
}

function workspace(t: { teardown(fn: () => void): void }): string {
  const dir = tempDirSync("kiln-export-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("an overlay is flattened in place into a self-contained qcow2 with its base's blocks and its own; the log and the artifact say so", async (t) => {
  const dir = workspace(t);
  const base = join(dir, "base.qcow2");
  qemuImg("create", "-f", "qcow2", base, "16M");
  execFileSync("qemu-io", ["-f", "qcow2", "-c", "write -P 0xcd 1M 64k", base]);
  const disk = join(dir, "out", "built.qcow2");
  execFileSync("mkdir", ["-p", join(dir, "out")]);
  qemuImg("create", "-f", "qcow2", "-b", base, "-F", "qcow2", disk, "16M");
  execFileSync("qemu-io", ["-f", "qcow2", "-c", "write -P 0xab 0 64k", disk]);
  t.is(backingOf(disk), base);

  const lines: string[] = [];
  const artifact: Artifact = {
    builderId: "transcend.qemu",
    id: "VM",
    files: ["out/built.qcow2"],
    description: "VM files in directory: out",
    state: { diskPath: disk, sha256: "overlay", sizeBytes: 1, backingFile: true },
  };
  const out = await exportArtifact(artifact, { ui: recordingUi(lines), signal: new AbortController().signal, workDir: dir });

  t.is(backingOf(disk), undefined);
  t.true(readsPattern(disk, "0xab", "0"), "the overlay's own block");
  t.true(readsPattern(disk, "0xcd", "1M"), "the base's block");
  rmSync(base); // really self-contained: readable without the base
  t.true(readsPattern(disk, "0xcd", "1M"));
  t.deepEqual(out.files, ["out/built.qcow2"]);
  t.regex(out.description, /^VM files in directory: out \(overlay flattened into a self-contained image for upload\)$/);
  t.deepEqual(out.state?.flattenedFrom, [base]);
  t.is(out.state?.sizeBytes, statSync(disk).size);
  t.regex(String(out.state?.sha256), /^[0-9a-f]{64}$/);
  t.is(lines.length, 1);
  t.is(lines[0], `Flattening overlay out/built.qcow2 (backing file ${base}) into a self-contained qcow2 for upload...`);
});

test("disk_compression is kept: the flattened disk is compressed and smaller than an uncompressed one", async (t) => {
  const dir = workspace(t);
  const base = join(dir, "base.qcow2");
  qemuImg("create", "-f", "qcow2", base, "16M");
  // Compressible data: one repeated byte over 4 MiB.
  execFileSync("qemu-io", ["-f", "qcow2", "-c", "write -P 0x11 0 4M", base]);
  const plain = join(dir, "plain.qcow2");
  const packed = join(dir, "packed.qcow2");
  for (const f of [plain, packed]) qemuImg("create", "-f", "qcow2", "-b", base, "-F", "qcow2", f, "16M");
  const ui = recordingUi([]);
  const signal = new AbortController().signal;
  const artifact = (f: string, diskCompression: boolean): Artifact => ({ builderId: "transcend.qemu", id: "VM", files: [f], description: "d", state: { diskCompression } });
  await exportArtifact(artifact(plain, false), { ui, signal, workDir: dir });
  await exportArtifact(artifact(packed, true), { ui, signal, workDir: dir });
  t.is(backingOf(packed), undefined);
  t.true(statSync(packed).size * 4 < statSync(plain).size, `${statSync(packed).size} vs ${statSync(plain).size}`);
  t.true(readsPattern(packed, "0x11", "3M"));
});

test("a disk without a backing file, and a file that is no disk, are left as they are", async (t) => {
  const dir = workspace(t);
  const disk = join(dir, "self.qcow2");
  qemuImg("create", "-f", "qcow2", disk, "16M");
  const before = readFileSync(disk);
  writeFileSync(join(dir, "notes.txt"), "not a disk\n");
  const lines: string[] = [];
  const artifact: Artifact = { builderId: "transcend.qemu", id: "VM", files: ["self.qcow2", "notes.txt"], description: "VM files in directory: ." };
  const out = await exportArtifact(artifact, { ui: recordingUi(lines), signal: new AbortController().signal, workDir: dir });
  t.is(out, artifact);
  t.deepEqual(readFileSync(disk), before);
  t.deepEqual(lines, []);
});
