/**
 * The warm snapshot store every -warm builder shares, on a real folder: what a capture cut short
 * leaves (a staging folder of a dead process, a snapshot folder whose files do not match its
 * meta.json) is never restored and is cleared by the next -warm build; a live capture's staging
 * is left alone; a second publish of one key keeps the first.
 */
import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chooseWarmMode, publish, snapshotAt, snapshotExists, stagingFor } from "../../../../../agent/builders/common/warm/index.js";
import { tempDirSync } from "../../../../fixtures/temp-dir.js";

const KEY = "0123456789abcdef0123456789abcdef";

function root(t: { teardown(f: () => void): void }): string {
  const dir = tempDirSync("kiln-warm-store-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "kiln-warm");
}

async function stagedWith(r: string, stateBytes: number): Promise<Awaited<ReturnType<typeof stagingFor>>> {
  const staged = await stagingFor(r, KEY);
  writeFileSync(staged.statePath, Buffer.alloc(stateBytes, 1));
  writeFileSync(staged.diskPath, Buffer.alloc(512, 2));
  return staged;
}

/** The pid of a process that has exited (and been reaped) by the time this returns. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

test("a published snapshot is restored; one whose state file was cut short is not, and a new capture replaces it", async (t) => {
  const r = root(t);
  t.is((await chooseWarmMode(r, KEY)).mode, "capture");
  t.true(await publish(await stagedWith(r, 4096), snapshotAt(r, KEY), { key: KEY, builder: "test" }));
  t.is((await chooseWarmMode(r, KEY)).mode, "restore");

  truncateSync(snapshotAt(r, KEY).statePath, 1000);
  t.false(await snapshotExists(snapshotAt(r, KEY)));
  t.is((await chooseWarmMode(r, KEY)).mode, "capture");
  t.true(await publish(await stagedWith(r, 2048), snapshotAt(r, KEY), { key: KEY, builder: "test" }));
  t.true(await snapshotExists(snapshotAt(r, KEY)));
  t.deepEqual(readdirSync(r), [KEY]);
  t.is(statSync(r).mode & 0o777, 0o700, "a guest's RAM is readable by the agent's user alone");
});

test("a snapshot folder without its meta.json (a capture from before meta, or a copy in part) is not restored", async (t) => {
  const r = root(t);
  const s = snapshotAt(r, KEY);
  mkdirSync(s.dir, { recursive: true });
  writeFileSync(s.statePath, "x");
  writeFileSync(s.diskPath, "y");
  t.is((await chooseWarmMode(r, KEY)).mode, "capture");
  writeFileSync(join(s.dir, "meta.json"), "{ not json");
  t.is((await chooseWarmMode(r, KEY)).mode, "capture");
});

test("the staging folder of a capture whose process died is removed by the next -warm build; a live capture's is kept", async (t) => {
  const r = root(t);
  const live = await stagedWith(r, 10);
  const dead = join(r, `.${KEY}.${deadPid()}.deadbeef.0badf00d`);
  mkdirSync(dead);
  writeFileSync(join(dead, "state.bin"), "half");
  const earlierLife = join(r, `.${KEY}.${process.pid}.feedface.0badf00d`);
  mkdirSync(earlierLife);

  t.is((await chooseWarmMode(r, KEY)).mode, "capture", "a staging folder is never restored");
  t.false(existsSync(dead));
  t.false(existsSync(earlierLife), "this pid, an earlier process (agents in containers are often pid 1 each time)");
  t.true(existsSync(live.dir));
});

test("when two captures of one key race, the first published stays and the second is dropped", async (t) => {
  const r = root(t);
  const first = await stagedWith(r, 100);
  const second = await stagedWith(r, 200);
  t.true(await publish(first, snapshotAt(r, KEY), { key: KEY, builder: "test" }));
  t.false(await publish(second, snapshotAt(r, KEY), { key: KEY, builder: "test" }));
  t.false(existsSync(second.dir));
  t.true(await snapshotExists(snapshotAt(r, KEY)));
  t.deepEqual(readdirSync(r), [KEY]);
});
