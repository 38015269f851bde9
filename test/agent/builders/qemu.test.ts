/**
 * The qemu builder on real QEMU (TCG here), end to end through `kiln build`, from the tiny Debian
 * base image: a shell provisioner writes a file and a file provisioner uploads a folder; the test
 * then boots the OUTPUT image itself and reads both back over SSH. A failing provisioner leaves no
 * QEMU process and no output directory. Slow (each boot ~20 s under TCG), so generous timeouts.
 */
import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { leasePort } from "../../../agent/builders/common/host-ports.js";
import { baseImage } from "../../fixtures/base-image.js";
import { bootOutputImage, build, kiln, qemuBuilder, qemuProcessesUsing, sshExec, workspace } from "./qemu-harness.js";

let base: string;
test.before(async () => {
  base = await baseImage();
});

test.serial("disk_image build: shell and file provisioners change the image; the output boots and carries both", async (t) => {
  const dir = workspace({
    builders: [qemuBuilder(base, )],
    provisioners: [
      { type: "shell", inline: ["echo \"stamped by kiln $PACKER_BUILDER_TYPE\" > /etc/kiln-stamp", "sync"] },
      { type: "file", source: "payload", destination: "/opt" },
      { type: "shell", inline: ["sync"] },
    ],
  });
  mkdirSync(join(dir, "payload/sub"), { recursive: true });
  writeFileSync(join(dir, "payload/hello.txt"), "hello from the host\n");
  writeFileSync(join(dir, "payload/sub/deep.txt"), "deep file\n");

  const started = Date.now();
  const r = await build(dir);
  t.log(`kiln build took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  t.is(r.status, 0, r.out);
  const disk = join(dir, "out/built.qcow2");
  t.true(existsSync(disk), r.out);
  t.regex(r.out, /VM files in directory: out/);
  t.deepEqual(qemuProcessesUsing(dir), []);
  const info = JSON.parse(spawnSync("qemu-img", ["info", "--output=json", disk], { encoding: "utf8" }).stdout) as { format: string; "backing-filename"?: string };
  t.is(info.format, "qcow2");
  t.is(info["backing-filename"], undefined); // a copy, self-contained

  // Boot the output (in -snapshot mode, so reading it back does not change it) and look inside.
  const vm = await bootOutputImage(disk);
  try {
    const out = await sshExec(vm.port, "cat /etc/kiln-stamp /opt/payload/hello.txt /opt/payload/sub/deep.txt", 4 * 60_000);
    t.is(out, "stamped by kiln qemu\nhello from the host\ndeep file\n");
  } finally {
    vm.stop();
  }
});

test.serial("a failing provisioner leaves no QEMU process and no output directory", async (t) => {
  const dir = workspace({
    builders: [qemuBuilder(base, { use_backing_file: true })],
    provisioners: [{ type: "shell", inline: ["echo about to fail", "exit 3"] }],
  });
  const r = await build(dir);
  t.not(r.status, 0, r.out);
  t.regex(r.out, /exit (status|code)[^\n]*3|non-zero exit status: 3/i);
  t.false(existsSync(join(dir, "out")), r.out);
  t.deepEqual(qemuProcessesUsing(dir), []);
});

test.serial("boot_command logs in on the console and fetches a file from http_directory through {{ .HTTPIP }}:{{ .HTTPPort }}", async (t) => {
  const dir = workspace({
    builders: [
      qemuBuilder(base, {
        use_backing_file: true,
        http_directory: "www",
        // Typed on tty1 once getty is up (sshd answers ~20-30 s after start under TCG).
        boot_wait: "45s",
        boot_key_interval: "50ms",
        boot_command: [
          "root<enter><wait3>packer<enter><wait8>",
          "exec 3<>/dev/tcp/{{ .HTTPIP }}/{{ .HTTPPort }}; printf 'GET /hello.txt HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3 > /root/from-http; sync<enter>",
        ],
      }),
    ],
    provisioners: [{ type: "shell", inline: ["sleep 2", "echo \"got: $(tail -n 1 /root/from-http)\"", "echo \"addr: $PACKER_HTTP_ADDR\""] }],
  });
  mkdirSync(join(dir, "www"));
  writeFileSync(join(dir, "www/hello.txt"), "served-to-the-installer\n");
  const r = await build(dir);
  t.is(r.status, 0, r.out);
  t.regex(r.out, /got: served-to-the-installer/);
  t.regex(r.out, /addr: 10\.0\.2\.2:\d+/);
  t.deepEqual(qemuProcessesUsing(dir), []);
});

test.serial("Ctrl-C during a provisioner kills QEMU, frees the port and removes the output directory", async (t) => {
  const dir = workspace({
    builders: [qemuBuilder(base, { use_backing_file: true, host_port_min: 23000, host_port_max: 23000 })],
    provisioners: [{ type: "shell", inline: ["echo provisioning-started", "sleep 300"] }],
  });
  const child = spawn(process.execPath, [kiln, "build", "-color=false", "template.json"], { cwd: dir });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on("exit", r));
  for (let i = 0; i < 2400 && !out.includes("provisioning-started") && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
  t.true(out.includes("provisioning-started"), out);
  t.is(qemuProcessesUsing(dir).length, 1, "QEMU should run before the cancel");
  child.kill("SIGINT");
  t.is(await exited, 1, out);
  t.deepEqual(qemuProcessesUsing(dir), []);
  t.false(existsSync(join(dir, "out")), out);
  // The forwarded port is free again: this bind would fail while QEMU held it.
  const lease = await leasePort(23000, 23000, "127.0.0.1", "test");
  lease.release();
});

test("explicit accelerator kvm on a host without working KVM fails early with a clear error", async (t) => {
  const { kvmWorks } = await import("../../../agent/builders/qemu/accelerator.js");
  if (await kvmWorks()) return t.pass("KVM works here; nothing to check");
  const dir = workspace({ builders: [qemuBuilder(base, { accelerator: "kvm" })] });
  const r = await build(dir);
  t.not(r.status, 0);
  t.regex(r.out, /accelerator: "kvm" was asked for but KVM does not work on this host/);
  t.false(existsSync(join(dir, "out")), r.out);
  t.deepEqual(qemuProcessesUsing(dir), []);
});
