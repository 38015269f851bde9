/**
 * The libvirt builder against the real libvirtd (qemu:///system, domain type qemu: TCG), on the
 * tests' base image. The guest is reached only through Kiln's `user` interface, a loopback port
 * forward (no libvirt network). Checked with virsh: what the build leaves (the artifact volume
 * only) and what failure, Ctrl-C and a killed build leave (nothing, once reaped). Serial: each
 * test boots a guest.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { baseImage } from "../../fixtures/base-image.js";
import { domainNames, ensureLibvirtd, LIBVIRT_URI, libvirtUnavailable, testPool, virsh, type TestPool } from "../../fixtures/libvirtd.js";
import { bootOutputImage, build, kiln, sshExec, workspace } from "./qemu-harness.js";
import { reapLibvirtDomains } from "../../../agent/builders/libvirt/reap-domains.js";
import { createVolume } from "../../../agent/builders/libvirt/create-volume.js";
import { LibvirtConnection } from "../../../agent/builders/libvirt/binding/connection.js";
import { schema } from "../../../shared/components/builders/libvirt.js";
import type { RunContext } from "../../../agent/runner/context.js";
import type { OperatorLog } from "../../../shared/operator-log.js";
import { tempDir } from "../../fixtures/temp-dir.js";

const unavailable = libvirtUnavailable();
const libvirtTest = unavailable ? test.skip : test.serial;
if (unavailable) {
  test("libvirt tests skipped", (t) => {
    t.log(`skipped: ${unavailable}`);
    t.pass();
  });
}

let n = 0;
/** A libvirt builder on the base image in `pool`, ssh root/packer through a user-mode forward. */
function libvirtBuilder(base: string, pool: TestPool, over: Record<string, unknown> = {}): Record<string, unknown> {
  n += 1;
  return {
    type: "libvirt",
    libvirt_uri: LIBVIRT_URI,
    domain_type: "qemu",
    domain_name: `kiln-test-${process.pid}-${n}`,
    memory: 512,
    network_interface: [{ type: "user", alias: "communicator" }],
    network_address_source: "agent",
    communicator: { communicator: "ssh", ssh_username: "root", ssh_password: "packer", ssh_timeout: "4m" },
    volume: [
      { alias: "artifact", pool: pool.name, name: "built.qcow2", bus: "virtio", capacity: "3G", source: { type: "backing-store", path: base } },
      { pool: pool.name, bus: "sata", source: { type: "cloud-init", user_data: "#cloud-config\n{}\n" } },
    ],
    ssh_host_port_min: 27000,
    ssh_host_port_max: 27999,
    shutdown_mode: "acpi",
    shutdown_timeout: "2m",
    ...over,
  };
}

async function setup(t: { teardown(fn: () => unknown): void }, prefix: string): Promise<{ base: string; pool: TestPool }> {
  await ensureLibvirtd();
  const pool = await testPool(prefix);
  t.teardown(() => pool.remove());
  return { base: await baseImage(), pool };
}

libvirtTest("a build on a backing-store volume: the provisioned artifact volume stays, the domain and the cloud-init volume go", async (t) => {
  t.timeout(10 * 60_000);
  const { base, pool } = await setup(t, "ok");
  const builder = libvirtBuilder(base, pool);
  const dir = workspace({ builders: [builder], provisioners: [{ type: "shell", inline: ["echo libvirt-built > /etc/kiln-marker", "sync"] }] });
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const r = await build(dir);
  t.is(r.status, 0, r.out);
  t.regex(r.out, new RegExp(`--> libvirt: Libvirt volume ${pool.name}/built\\.qcow2 in qcow2 format was generated`));
  t.regex(r.out, /Forwarding 127\.0\.0\.1:27\d{3} to the guest's port 22/);
  t.false((await domainNames()).includes(String(builder.domain_name)), "the domain is undefined");
  t.deepEqual(await pool.volumes(), ["built.qcow2"], "only the artifact volume is left");
  const disk = path.join(pool.dir, "built.qcow2");
  const volXml = await virsh("vol-dumpxml", "--pool", pool.name, "built.qcow2");
  t.regex(volXml, new RegExp(`<backingStore>\\s*<path>${base}</path>`), "an overlay on the base image");
  const vm = await bootOutputImage(disk);
  t.teardown(() => vm.stop());
  t.is((await sshExec(vm.port, "cat /etc/kiln-marker", 4 * 60_000)).trim(), "libvirt-built");
});

libvirtTest("a failing provisioner leaves no domain and no volume", async (t) => {
  t.timeout(10 * 60_000);
  const { base, pool } = await setup(t, "fail");
  const builder = libvirtBuilder(base, pool);
  const dir = workspace({ builders: [builder], provisioners: [{ type: "shell", inline: ["exit 3"] }] });
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const r = await build(dir);
  t.is(r.status, 1, r.out);
  t.regex(r.out, /exited with non-zero exit status: 3|non-zero exit status/);
  t.regex(r.out, /Deleting volume .*built\.qcow2/);
  t.false((await domainNames()).includes(String(builder.domain_name)));
  t.deepEqual(await pool.volumes(), []);
});

/** Starts `kiln build` and resolves once its output matches `ready`; the caller stops it. */
function startBuild(dir: string, ready: RegExp, deadlineMs: number): Promise<{ child: ReturnType<typeof spawn>; out: () => string; exited: Promise<number | null> }> {
  // Its temp folders go in the workspace: the kill -9 test leaves the build's scratch folder.
  const child = spawn(process.execPath, [kiln, "build", "-color=false", "template.json"], { cwd: dir, env: { ...process.env, TMPDIR: dir } });
  let out = "";
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the build never printed ${ready}:\n${out}`));
    }, deadlineMs);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve({ child, out: () => out, exited });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      if (!ready.test(out)) reject(new Error(`the build exited before printing ${ready}:\n${out}`));
    });
  });
}

libvirtTest("Ctrl-C while the guest boots: the domain is destroyed and undefined, the volumes deleted", async (t) => {
  t.timeout(5 * 60_000);
  const { base, pool } = await setup(t, "int");
  const builder = libvirtBuilder(base, pool);
  const dir = workspace({ builders: [builder], provisioners: [{ type: "shell", inline: ["true"] }] });
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const b = await startBuild(dir, /Waiting for the guest's sshd to answer/, 3 * 60_000);
  t.teardown(() => b.child.kill("SIGKILL"));
  t.true((await domainNames()).includes(String(builder.domain_name)), "the domain is visible to virsh while it builds");
  b.child.kill("SIGINT");
  const code = await b.exited;
  t.not(code, 0, b.out());
  t.regex(b.out(), /Destroying domain/);
  t.false((await domainNames()).includes(String(builder.domain_name)));
  t.deepEqual(await pool.volumes(), []);
});

libvirtTest("after kill -9 of a build, the reaper removes its domain and volumes (and nothing else)", async (t) => {
  t.timeout(5 * 60_000);
  const { base, pool } = await setup(t, "reap");
  const builder = libvirtBuilder(base, pool);
  const dir = workspace({ builders: [builder], provisioners: [{ type: "shell", inline: ["true"] }] });
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const b = await startBuild(dir, /Waiting for the guest's sshd to answer/, 3 * 60_000);
  const pid = b.child.pid!;
  b.child.kill("SIGKILL");
  await b.exited;
  const name = String(builder.domain_name);
  // autodestroy: libvirtd stops the guest once the dead process's connection is gone.
  const deadline = Date.now() + 60_000;
  while ((await virsh("domstate", name)).trim() !== "shut off") {
    if (Date.now() > deadline) t.fail("libvirtd did not destroy the domain of the killed build");
    await new Promise((r) => setTimeout(r, 200));
  }
  t.true((await domainNames()).includes(name), "the definition is left");
  t.is((await pool.volumes()).length, 2, "both volumes are left");
  // A domain of a live process, with the same metadata shape, must survive the reaper.
  const bystander = `kiln-test-bystander-${process.pid}`;
  const xmlFile = path.join(dir, "bystander.xml");
  await import("node:fs/promises").then((fs) => fs.writeFile(xmlFile, `<domain type='qemu'><name>${bystander}</name><metadata><kiln:job xmlns:kiln="https://kiln.build/xmlns/libvirt-job/1" host="${os.hostname()}" pid="${process.pid}" build="x"/></metadata><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>`));
  await virsh("define", xmlFile);
  t.teardown(() => virsh("undefine", bystander).catch(() => undefined));
  const lines: string[] = [];
  const log = { info: (m: string, f?: object) => lines.push(`${m} ${JSON.stringify(f)}`), warn: (m: string, f?: object) => lines.push(`WARN ${m} ${JSON.stringify(f)}`), error: () => undefined } as unknown as OperatorLog;
  process.env.KILN_LIBVIRT_URI = LIBVIRT_URI;
  await reapLibvirtDomains([{ pid, buildId: "b", jobIndex: 0, attempt: 1 }], log);
  t.false((await domainNames()).includes(name), lines.join("\n"));
  t.true((await domainNames()).includes(bystander));
  t.deepEqual(await pool.volumes(), []);
  t.true(lines.some((l) => l.includes("removed a libvirt domain left by a dead job") && l.includes(name)), lines.join("\n"));
  t.is(lines.filter((l) => l.includes("deleted a libvirt volume")).length, 2, lines.join("\n"));
});

libvirtTest("a cloud-init volume is a NoCloud seed: label cidata, meta-data with the domain's name, user-data as given", async (t) => {
  t.timeout(2 * 60_000);
  await ensureLibvirtd();
  const pool = await testPool("ci");
  t.teardown(() => pool.remove());
  const config = schema.prepare(
    {
      type: "libvirt",
      config: {
        libvirt_uri: LIBVIRT_URI,
        domain_name: "seeded",
        communicator: { communicator: "none" },
        volume: [{ pool: pool.name, source: { type: "cloud-init", user_data: "#cloud-config\nruncmd: [touch /seeded]\n", network_config: "version: 2\n" } }],
      },
    },
    { interpolation: {}, templateDir: "/", cwd: "/" } as never,
  );
  const scratch = await tempDir("kiln-ci-");
  t.teardown(() => rm(scratch, { recursive: true, force: true }));
  const ui = { say: () => undefined, message: () => undefined, error: () => undefined };
  const ctx = { ui, signal: new AbortController().signal, scratchDir: scratch, workDir: scratch } as unknown as RunContext;
  const conn = await LibvirtConnection.open(LIBVIRT_URI);
  t.teardown(() => conn.close());
  const volume = await createVolume(ctx, conn, await conn.pool(pool.name), config.volumes[0]!, "seeded");
  volume.free();
  t.deepEqual(await pool.volumes(), ["seeded-cloudinit"]);
  const iso = path.join(pool.dir, "seeded-cloudinit");
  const out = path.join(scratch, "extracted");
  const { execFileSync } = await import("node:child_process");
  const pvd = execFileSync("xorriso", ["-indev", iso, "-pvd_info"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  t.regex(pvd, /Volume Id\s*:\s*cidata/);
  execFileSync("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", "/", out], { stdio: "ignore" });
  t.is(await readFile(path.join(out, "meta-data"), "utf8"), "instance-id: seeded\n");
  t.is(await readFile(path.join(out, "user-data"), "utf8"), "#cloud-config\nruncmd: [touch /seeded]\n");
  t.is(await readFile(path.join(out, "network-config"), "utf8"), "version: 2\n");
});
