/**
 * A controller's temporary files live in a folder named after its pid; a controller started later
 * removes the folders of controllers that no longer run (killed with -9) and never a live one's.
 * Real processes: a child that exited is dead, a running child is live.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { ScratchFolder } from "../../controller/scratch-folder.js";
import { silentLog } from "../../shared/operator-log.js";
import { tempDir } from "../fixtures/temp-dir.js";

test("a new controller removes the temporary folders of dead controllers, keeps live ones' and others' files, and removes its own when it stops", async (t) => {
  const tmp = await tempDir("kiln-scratch-test-");
  t.teardown(() => rm(tmp, { recursive: true, force: true }));

  const exited = spawn(process.execPath, ["-e", ""]);
  const [code] = (await once(exited, "exit")) as [number];
  t.is(code, 0);
  const running = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"]);
  t.teardown(() => running.kill("SIGKILL"));

  const dead = path.join(tmp, `kiln-controller-${exited.pid}-aB3dE9`);
  const live = path.join(tmp, `kiln-controller-${running.pid}-Xy7Zq1`);
  await mkdir(path.join(dead, "bundle-1"), { recursive: true });
  await writeFile(path.join(dead, "bundle-1", "template.json"), "{}");
  await mkdir(live);
  await mkdir(path.join(tmp, "kiln-controller-notapid-1"));
  await writeFile(path.join(tmp, "unrelated.txt"), "kept");

  const scratch = await ScratchFolder.create(silentLog, tmp);
  t.regex(path.basename(scratch.path), new RegExp(`^kiln-controller-${process.pid}-`));
  t.is((await stat(scratch.path)).mode & 0o777, 0o700);
  const entries = await readdir(tmp);
  t.false(entries.includes(path.basename(dead)), "the dead controller's folder is removed");
  t.true(entries.includes(path.basename(live)), "a running controller's folder is kept");
  t.true(entries.includes("kiln-controller-notapid-1"));
  t.true(entries.includes("unrelated.txt"));

  const bundle = await scratch.mkdtemp("bundle-");
  t.is(path.dirname(bundle), scratch.path);
  await scratch.remove();
  t.false((await readdir(tmp)).includes(path.basename(scratch.path)));
});
