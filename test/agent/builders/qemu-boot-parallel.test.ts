/**
 * Two qemu builds at once in one `kiln build` (as two builds on one agent) with a two-port SSH
 * range: they must get disjoint ports and both produce their own image. And a boot_command that
 * interrupts the boot loader and adds a kernel argument, checked in /proc/cmdline over SSH: a
 * first build turns the base image's extlinux prompt on (and waits there forever), a second build
 * from that output types `linux kiln.marker=…` at the prompt. Real QEMU under TCG: slow.
 */
import test from "ava";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { baseImage } from "../../fixtures/base-image.js";
import { build, qemuBuilder, qemuProcessesUsing, workspace } from "./qemu-harness.js";

let base: string;
test.before(async () => {
  base = await baseImage();
});

test.serial("two qemu builds at once get disjoint forward ports from a two-port range and both succeed", async (t) => {
  const range = 24000 + Math.floor(Math.random() * 400) * 2;
  const builder = (name: string): Record<string, unknown> => ({
    ...qemuBuilder(base, { use_backing_file: true, host_port_min: range, host_port_max: range + 1, vnc_port_min: 5990, vnc_port_max: 5991 }),
    name,
    output_directory: `out-${name}`,
  });
  const dir = workspace({
    builders: [builder("left"), builder("right")],
    provisioners: [{ type: "shell", inline: ["echo \"i am {{ build_name }}\""] }],
  });
  const r = await build(dir);
  t.is(r.status, 0, r.out);
  const ports = [...r.out.matchAll(/(left|right): Found available port: (\d+) on IP: 127\.0\.0\.1/g)].map((m) => [m[1], Number(m[2])] as const);
  t.is(ports.length, 2, r.out);
  t.not(ports[0]![1], ports[1]![1]);
  for (const [, port] of ports) t.true(port === range || port === range + 1);
  t.regex(r.out, /left: i am left/);
  t.regex(r.out, /right: i am right/);
  t.true(existsSync(join(dir, "out-left/built.qcow2")));
  t.true(existsSync(join(dir, "out-right/built.qcow2")));
  t.deepEqual(qemuProcessesUsing(dir), []);
});

test.serial("boot_command interrupts the boot loader and adds a kernel argument, seen in /proc/cmdline over SSH", async (t) => {
  // Build 1: an image whose extlinux stops at its boot: prompt until something is typed.
  const first = workspace({
    builders: [qemuBuilder(base, { use_backing_file: true })],
    provisioners: [{
      type: "shell",
      inline: ["sed -i -e 's/^PROMPT 0/PROMPT 1/' -e 's/^TIMEOUT .*/TIMEOUT 0/' /boot/extlinux/extlinux.conf", "grep -q '^PROMPT 1' /boot/extlinux/extlinux.conf", "sync"],
    }],
  });
  const r1 = await build(first);
  t.is(r1.status, 0, r1.out);

  // Build 2 from that output: without the boot_command it would wait at the prompt forever.
  const marker = randomBytes(6).toString("hex");
  const second = workspace({
    builders: [qemuBuilder(join(first, "out/built.qcow2"), {
      use_backing_file: true,
      boot_wait: "2s",
      boot_key_interval: "20ms",
      boot_command: [`linux kiln.marker=${marker}<enter>`],
    })],
    provisioners: [{ type: "shell", inline: ["cat /proc/cmdline", `grep -q 'kiln.marker=${marker}' /proc/cmdline`] }],
  });
  const r2 = await build(second);
  t.is(r2.status, 0, r2.out);
  t.regex(r2.out, new RegExp(`BOOT_IMAGE=\\S+ .*kiln\\.marker=${marker}`));
  t.deepEqual(qemuProcessesUsing(second), []);
});
