import test from "ava";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builderTypesFor, BuilderFilterError, probeHost, unameArch } from "../../../agent/farm/index.js";

function which(binary: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

test("the probe agrees with `which`, /sys/module and uname about this host", async (t) => {
  const probe = await probeHost({ env: { PATH: process.env.PATH, HOME: "/nonexistent" } });
  const has = (c: string) => probe.capabilities.includes(c);
  const qemuSystems = execFileSync("sh", ["-c", "for d in $(echo \"$PATH\" | tr ':' ' '); do ls \"$d\" 2>/dev/null; done | grep -E '^qemu-system-[A-Za-z0-9_]+$' | sort -u || true"])
    .toString()
    .trim();
  t.is(has("qemu"), qemuSystems !== "", `qemu-system binaries: ${qemuSystems || "none"}`);
  t.deepEqual(probe.qemuSystems, qemuSystems === "" ? [] : qemuSystems.split("\n"));
  t.is(has("qemu-img"), which("qemu-img"));
  t.is(has("virtualbox"), which("VBoxManage"));
  t.is(has("vmware"), which("vmrun"));
  t.is(has("aws"), false, "no credentials in this environment");

  const realKvm = existsSync("/sys/module/kvm_intel") || existsSync("/sys/module/kvm_amd");
  t.is(has("kvm"), realKvm && existsSync("/dev/kvm"));
  if (existsSync("/sys/module/kvm_pvm") && !realKvm) t.regex(probe.findings.join("\n"), /kvm: only kvm_pvm is loaded/);

  const arch = execFileSync("uname", ["-m"]).toString().trim();
  t.is(probe.arch, arch);
  t.true(has(`arch:${arch}`));
  t.is(unameArch("x64"), "x86_64");
  t.is(unameArch("arm64"), "aarch64");
});

test("KVM needs kvm_intel or kvm_amd, not just a device node or kvm_pvm", async (t) => {
  const sys = await mkdtemp(join(tmpdir(), "kiln-sysmod-"));
  const device = join(sys, "kvm-device");
  await writeFile(device, "");
  await mkdir(join(sys, "kvm_pvm"));
  let probe = await probeHost({ env: { PATH: "" }, sysModuleDir: sys, kvmDevice: device });
  t.false(probe.capabilities.includes("kvm"));
  await mkdir(join(sys, "kvm_intel"));
  probe = await probeHost({ env: { PATH: "" }, sysModuleDir: sys, kvmDevice: device });
  t.true(probe.capabilities.includes("kvm"));
  probe = await probeHost({ env: { PATH: "" }, sysModuleDir: sys, kvmDevice: join(sys, "missing") });
  t.false(probe.capabilities.includes("kvm"));
});

test("docker is offered only when DOCKER_HOST answers /_ping with OK", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "kiln-docker-"));
  const socket = join(dir, "docker.sock");
  // The Docker Engine API's ping, on a unix socket like dockerd's.
  const server = createServer((req, res) => {
    if (req.url === "/_ping") res.end("OK");
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(socket, r));
  t.teardown(() => server.close());
  const up = await probeHost({ env: { PATH: "", DOCKER_HOST: `unix://${socket}` } });
  t.true(up.capabilities.includes("docker"));
  const down = await probeHost({ env: { PATH: "", DOCKER_HOST: `unix://${join(dir, "nothing.sock")}` } });
  t.false(down.capabilities.includes("docker"));
  t.regex(down.findings.join("\n"), /docker: unix:\/\/.*nothing\.sock: .*ENOENT/);
});

test("AWS credentials come from the environment or the shared credentials file", async (t) => {
  t.true((await probeHost({ env: { PATH: "", AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "x" } })).capabilities.includes("aws"));
  const home = await mkdtemp(join(tmpdir(), "kiln-home-"));
  await mkdir(join(home, ".aws"));
  await writeFile(join(home, ".aws", "credentials"), "[default]\n");
  t.false((await probeHost({ env: { PATH: "", HOME: home } })).capabilities.includes("aws"));
  await writeFile(join(home, ".aws", "credentials"), "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n");
  t.true((await probeHost({ env: { PATH: "", HOME: home } })).capabilities.includes("aws"));
});

test("builder types: those with a plugin whose needs the host has, narrowed by --builders", (t) => {
  const everything = builderTypesFor(["arch:x86_64"], undefined);
  t.deepEqual(everything.types, ["file", "null"]);
  t.like(everything.skipped.find((s) => s.type === "qemu"), { why: "host lacks qemu" });
  t.like(everything.skipped.find((s) => s.type === "virtualbox-iso"), { why: "this agent has no plugin for it yet" });
  t.deepEqual(builderTypesFor([], ["null"]).types, ["null"]);
  t.like(builderTypesFor([], ["null"]).skipped.find((s) => s.type === "file"), { why: "not in --builders" });
  t.throws(() => builderTypesFor([], ["qemu"]), { instanceOf: BuilderFilterError, message: /cannot run "qemu"/ });
  t.throws(() => builderTypesFor([], ["nope"]), { instanceOf: BuilderFilterError, message: /"nope" is not a builder type Kiln knows/ });
});
