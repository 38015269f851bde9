import test from "ava";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { SshCommunicator } from "../../../agent/communicators/ssh/index.js";
import { plugin } from "../../../agent/provisioners/file/index.js";
import { ConfigErrors } from "../../../shared/components/problems.js";
import { startSshd, type SshdFixture } from "../../fixtures/sshd.js";
import { prepareContext, recordingContext, tempDir, type RecordingContext } from "../fixtures/recording-run-context.js";

let sshd: SshdFixture;

test.before(async () => {
  sshd = await startSshd();
});

test.after.always(async () => {
  await sshd?.stop();
});

const build = { name: "web", type: "null" };

async function harness(generated?: Record<string, string>) {
  const workDir = await tempDir("kiln-file-test-");
  const remoteDir = await sshd.userDir();
  const rc: RecordingContext = recordingContext(workDir, { build, generated });
  const comm = await SshCommunicator.connect(sshd.communicatorConfig());
  rc.ctx.comm = comm;
  const run = (config: Record<string, unknown>) =>
    plugin.provision(rc.ctx, plugin.schema.prepare({ type: "file", config }, prepareContext(workDir, build, rc.ctx.generated)));
  return { rc, workDir, remoteDir, run, close: () => comm.close() };
}

test("uploads a file to a path, and into a folder given with a trailing slash, keeping its mode", async (t) => {
  const h = await harness();
  try {
    await writeFile(path.join(h.workDir, "app.sh"), "#!/bin/sh\necho app\n", { mode: 0o750 });
    await h.run({ source: "app.sh", destination: `${h.remoteDir}/renamed.sh` });
    t.is(await readFile(path.join(h.remoteDir, "renamed.sh"), "utf8"), "#!/bin/sh\necho app\n");
    t.is((await stat(path.join(h.remoteDir, "renamed.sh"))).mode & 0o777, 0o750);

    await h.rc.ctx.comm.run({ command: `mkdir ${h.remoteDir}/bin` });
    await h.run({ sources: ["app.sh"], destination: `${h.remoteDir}/bin/` });
    t.is(await readFile(path.join(h.remoteDir, "bin", "app.sh"), "utf8"), "#!/bin/sh\necho app\n");
    t.deepEqual(h.rc.texts("say"), [`Uploading app.sh => ${h.remoteDir}/renamed.sh`, `Uploading app.sh => ${h.remoteDir}/bin/`]);
  } finally {
    await h.close();
  }
});

test("uploads a directory itself, or only its contents with a trailing slash", async (t) => {
  const h = await harness();
  try {
    await mkdir(path.join(h.workDir, "conf", "nested"), { recursive: true });
    await writeFile(path.join(h.workDir, "conf", "a.conf"), "a=1\n");
    await writeFile(path.join(h.workDir, "conf", "nested", "b.conf"), "b=2\n");
    await h.run({ source: "conf", destination: `${h.remoteDir}/etc` });
    t.is(await readFile(path.join(h.remoteDir, "etc", "conf", "nested", "b.conf"), "utf8"), "b=2\n");
    await h.run({ source: "conf/", destination: `${h.remoteDir}/flat` });
    t.is(await readFile(path.join(h.remoteDir, "flat", "a.conf"), "utf8"), "a=1\n");
    t.is(await readFile(path.join(h.remoteDir, "flat", "nested", "b.conf"), "utf8"), "b=2\n");
  } finally {
    await h.close();
  }
});

test("content is written to the destination file, with build data rendered", async (t) => {
  const h = await harness({ Host: "10.1.2.3" });
  try {
    await h.run({ content: "host={{ build `Host` }} name={{ build_name }}\n", destination: `${h.remoteDir}/motd` });
    t.is(await readFile(path.join(h.remoteDir, "motd"), "utf8"), "host=10.1.2.3 name=web\n");
    await h.rc.ctx.comm.run({ command: `mkdir ${h.remoteDir}/d` });
    await h.run({ content: "into a folder", destination: `${h.remoteDir}/d/` });
    t.is(await readFile(path.join(h.remoteDir, "d", "pkr-file-content"), "utf8"), "into a folder");
  } finally {
    await h.close();
  }
});

test("downloads a file, a folder's contents and glob matches", async (t) => {
  const h = await harness();
  try {
    await mkdir(path.join(h.remoteDir, "logs", "old"), { recursive: true });
    await writeFile(path.join(h.remoteDir, "logs", "a.log"), "A\n");
    await writeFile(path.join(h.remoteDir, "logs", "b.txt"), "B\n");
    await writeFile(path.join(h.remoteDir, "logs", "old", "c.log"), "C\n");

    await h.run({ direction: "download", source: `${h.remoteDir}/logs/a.log`, destination: "out/one/a-copy.log" });
    t.is(await readFile(path.join(h.workDir, "out", "one", "a-copy.log"), "utf8"), "A\n");

    await h.run({ direction: "download", source: `${h.remoteDir}/logs/a.log`, destination: "out/dir/" });
    t.is(await readFile(path.join(h.workDir, "out", "dir", "a.log"), "utf8"), "A\n");

    await h.run({ direction: "download", source: `${h.remoteDir}/logs/`, destination: "out/all/" });
    t.is(await readFile(path.join(h.workDir, "out", "all", "b.txt"), "utf8"), "B\n");
    t.is(await readFile(path.join(h.workDir, "out", "all", "old", "c.log"), "utf8"), "C\n");

    await h.run({ direction: "download", source: `${h.remoteDir}/logs/*.log`, destination: "out/glob/" });
    t.is(await readFile(path.join(h.workDir, "out", "glob", "a.log"), "utf8"), "A\n");
    await t.throwsAsync(stat(path.join(h.workDir, "out", "glob", "b.txt")));
  } finally {
    await h.close();
  }
});

test("a failed upload says so on the UI and fails the provisioner with the path", async (t) => {
  const h = await harness();
  try {
    await writeFile(path.join(h.workDir, "f.txt"), "x");
    const err = await t.throwsAsync(h.run({ source: "f.txt", destination: `${h.remoteDir}/missing/dir/f.txt` }));
    t.regex(err?.message ?? "", /missing\/dir\/f\.txt/);
    t.regex(h.rc.texts("error")[0] ?? "", /^Upload failed: /);
  } finally {
    await h.close();
  }
});

test("prepare: Packer's validation messages", async (t) => {
  const workDir = await tempDir();
  const ctx = prepareContext(workDir, build, {});
  const problems = (config: Record<string, unknown>): string[] => {
    try {
      plugin.schema.prepare({ type: "file", config }, ctx);
      return [];
    } catch (e) {
      if (!(e instanceof ConfigErrors)) throw e;
      return e.problems.map((p) => p.message);
    }
  };
  await writeFile(path.join(workDir, "here.txt"), "x");
  t.deepEqual(problems({ source: "here.txt", destination: "/tmp/x" }), []);
  t.deepEqual(problems({}), ["Source must be specified.", "Destination must be specified."]);
  t.deepEqual(problems({ source: "nope.txt", destination: "/x" }), ["Bad source 'nope.txt': stat nope.txt: no such file or directory"]);
  t.deepEqual(problems({ source: "nope.txt", destination: "/x", generated: true }), []);
  t.deepEqual(problems({ source: "/remote/f", destination: "x", direction: "download" }), []);
  t.deepEqual(problems({ source: "here.txt", destination: "/x", direction: "sideways" }), ["Direction must be one of: download, upload."]);
  t.deepEqual(problems({ source: "here.txt", content: "c", destination: "/x" }), ["source(s) conflicts with content."]);
});
