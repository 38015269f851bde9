/**
 * Port leases across processes: two `kiln build` runs side by side must not pick the same SSH
 * forward port (a test bind alone cannot tell them apart until QEMU binds, seconds later).
 * Real child processes lease from a two-port range and hold their leases.
 */
import test from "ava";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { leasePort } from "../../../../agent/builders/common/host-ports.js";
import { tempDirSync } from "../../../fixtures/temp-dir.js";

const hostPorts = pathToFileURL(resolve(dirname(fileURLToPath(import.meta.url)), "../../../../agent/builders/common/host-ports.js")).href;

/** A child process that leases one port of [min, max], prints it (or the error) and holds it until killed. */
function holder(leaseDir: string, min: number, max: number): { child: ChildProcessWithoutNullStreams; answer: Promise<string> } {
  const script = `import { leasePort } from ${JSON.stringify(hostPorts)};
try { const l = await leasePort(${min}, ${max}, "127.0.0.1", "test"); console.log("port " + l.port); }
catch (e) { console.log("error " + e.message); }
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, KILN_PORT_LEASE_DIR: leaseDir } });
  const answer = new Promise<string>((done) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) done(out.trim());
    });
  });
  return { child, answer };
}

function freeRangeBase(): number {
  return 30000 + Math.floor(Math.random() * 2000) * 2;
}

test("two processes leasing from a two-port range get different ports; a third is refused clearly", async (t) => {
  const dir = tempDirSync("kiln-leases-");
  const min = freeRangeBase();
  const a = holder(dir, min, min + 1);
  const b = holder(dir, min, min + 1);
  try {
    const [pa, pb] = await Promise.all([a.answer, b.answer]);
    t.regex(pa, /^port \d+$/);
    t.regex(pb, /^port \d+$/);
    t.not(pa, pb);
    t.deepEqual(readdirSync(dir).sort(), [`127.0.0.1-${min}`, `127.0.0.1-${min + 1}`]);
    const c = holder(dir, min, min + 1);
    try {
      t.regex(await c.answer, /^error test: no free TCP port between \d+ and \d+ on 127\.0\.0\.1/);
    } finally {
      c.child.kill();
    }
  } finally {
    a.child.kill();
    b.child.kill();
  }
});

test("a lease left by a process that died is taken over; release removes the lock", async (t) => {
  const dir = tempDirSync("kiln-leases-");
  process.env.KILN_PORT_LEASE_DIR = dir;
  const port = freeRangeBase();
  // pid 2^22+1 is above Linux's pid_max limit: never a live process
  writeFileSync(join(dir, `127.0.0.1-${port}`), String(4194305));
  const lease = await leasePort(port, port, "127.0.0.1", "test");
  t.is(lease.port, port);
  lease.release();
  t.deepEqual(readdirSync(dir), []);
});
