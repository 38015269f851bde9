/**
 * A local `kiln build` with `use_backing_file` keeps the overlay, as `packer build` does: no
 * "Converting hard drive" (which would flatten it), the output names the base image as its
 * backing file, and it is far smaller than the base. (The farm flattens it before upload:
 * test/cli/farm-qemu.test.ts.) Real QEMU under TCG: slow.
 */
import test from "ava";
import { spawnSync } from "node:child_process";
import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { baseImage } from "../../fixtures/base-image.js";
import { build, qemuBuilder, qemuProcessesUsing, workspace } from "./qemu-harness.js";

test("use_backing_file: the local output stays an overlay on the base image", async (t) => {
  t.timeout(10 * 60_000);
  const base = await baseImage();
  const dir = workspace({
    builders: [qemuBuilder(base, { use_backing_file: true, host_port_min: 25500, host_port_max: 25999 })],
    provisioners: [{ type: "shell", inline: ["echo overlay > /etc/kiln-overlay", "sync"] }],
  });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await build(dir);
  t.is(r.status, 0, r.out);
  t.regex(r.out, /Creating overlay disk on /);
  t.notRegex(r.out, /Converting hard drive|Flattening overlay/);
  const disk = join(dir, "out/built.qcow2");
  const info = JSON.parse(spawnSync("qemu-img", ["info", "--output=json", disk], { encoding: "utf8" }).stdout) as { "backing-filename"?: string };
  t.is(info["backing-filename"], base);
  t.true(statSync(disk).size * 4 < statSync(base).size, `overlay ${statSync(disk).size} bytes, base ${statSync(base).size}`);
  t.deepEqual(qemuProcessesUsing(dir), []);
});
