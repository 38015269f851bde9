import test from "ava";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { builderTypesFor, BuilderFilterError, probeHost, unameArch } from "../../../agent/farm/index.js";
import { defaultCatalogue, type PluginCatalogue } from "../../../agent/catalogue.js";
import { tempDir } from "../../fixtures/temp-dir.js";

function which(binary: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

test("the probe agrees with `which`, /sys/module and uname about this host, and claims nothing no plugin probes for", async (t) => {
  const probe = await probeHost({ env: { PATH: process.env.PATH, HOME: "/nonexistent" } });
  const has = (c: string) => probe.capabilities.includes(c);
  const qemuSystems = execFileSync("sh", ["-c", "for d in $(echo \"$PATH\" | tr ':' ' '); do ls \"$d\" 2>/dev/null; done | grep -E '^qemu-system-[A-Za-z0-9_]+$' | sort -u || true"])
    .toString()
    .trim();
  t.is(has("qemu"), qemuSystems !== "", `qemu-system binaries: ${qemuSystems || "none"}`);
  t.true(probe.findings.includes(`qemu: ${qemuSystems === "" ? "no qemu-system-* on PATH" : qemuSystems.split("\n").join(", ")}`), probe.findings.join("\n"));
  t.is(has("qemu-img"), which("qemu-img"));
  // Capabilities come from the agent's builder plugins (qemu, docker) and the provisioners that run
  // a program on the host (ansible): none for builders it has no plugin for.
  for (const c of ["virtualbox", "vmware", "aws"]) t.false(has(c), c);
  t.deepEqual(probe.capabilities.filter((c) => !["qemu", "qemu-img", "kvm", "docker", "ansible", "libvirt", "libvirt-kvm"].includes(c) && !c.startsWith("arch:")), []);
  // libvirt: advertised exactly when libvirtd answers on the default URI (as virsh finds it).
  t.is(has("libvirt"), which("virsh") && (() => {
    try {
      execFileSync("virsh", ["-c", "qemu:///system", "version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })());
  t.is(has("ansible"), which("ansible-playbook"));

  const realKvm = existsSync("/sys/module/kvm_intel") || existsSync("/sys/module/kvm_amd");
  t.is(has("kvm"), realKvm && existsSync("/dev/kvm"));
  if (!realKvm) t.false(has("libvirt-kvm"), "libvirt's kvm is not offered where KVM does not really work");
  if (existsSync("/sys/module/kvm_pvm") && !realKvm) t.regex(probe.findings.join("\n"), /kvm: only kvm_pvm is loaded/);

  const arch = execFileSync("uname", ["-m"]).toString().trim();
  t.is(probe.arch, arch);
  t.true(has(`arch:${arch}`));
  t.is(unameArch("x64"), "x86_64");
  t.is(unameArch("arm64"), "aarch64");
});

test("KVM needs kvm_intel or kvm_amd, not just a device node or kvm_pvm", async (t) => {
  const sys = await tempDir("kiln-sysmod-");
  const dev = join(sys, "dev");
  await mkdir(dev);
  await writeFile(join(dev, "kvm"), "");
  await mkdir(join(sys, "kvm_pvm"));
  let probe = await probeHost({ env: { PATH: "" }, sysModuleDir: sys, devDir: dev });
  t.false(probe.capabilities.includes("kvm"));
  await mkdir(join(sys, "kvm_intel"));
  probe = await probeHost({ env: { PATH: "" }, sysModuleDir: sys, devDir: dev });
  t.true(probe.capabilities.includes("kvm"));
  probe = await probeHost({ env: { PATH: "" }, sysModuleDir: sys, devDir: join(sys, "missing") });
  t.false(probe.capabilities.includes("kvm"));
});

test("docker is offered only when DOCKER_HOST answers /_ping with OK", async (t) => {
  const dir = await tempDir("kiln-docker-");
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

test("each builder plugin's own probe decides its capabilities; the agent adds only the architecture", async (t) => {
  // A catalogue whose null builder declares a probe (a stand-in plugin: what the wiring does
  // with a declaration, whatever the builder) and whose other builders are the real ones.
  const catalogue: PluginCatalogue = {
    ...defaultCatalogue,
    async builder(type) {
      const real = await defaultCatalogue.builder(type);
      if (type !== "null") return real;
      return { ...real, hostProbe: async (ctx) => [{ capability: "widget", ok: ctx.env.WIDGET === "yes", why: `WIDGET=${ctx.env.WIDGET ?? ""}` }] };
    },
  };
  const withWidget = await probeHost({ env: { PATH: "", WIDGET: "yes" }, catalogue });
  t.true(withWidget.capabilities.includes("widget"));
  t.true(withWidget.findings.includes("widget: WIDGET=yes"));
  const without = await probeHost({ env: { PATH: "", WIDGET: "no" }, catalogue });
  t.false(without.capabilities.includes("widget"));
  t.false((await probeHost({ env: { PATH: "", WIDGET: "yes" } })).capabilities.includes("widget"), "the real null builder probes nothing");
});

test("builder types: those with a plugin whose needs the host has, narrowed by --builders", (t) => {
  const everything = builderTypesFor(["arch:x86_64"], undefined);
  t.deepEqual(everything.types, ["file", "null"]);
  t.like(everything.skipped.find((s) => s.type === "qemu"), { why: "host lacks qemu" });
  t.like(everything.skipped.find((s) => s.type === "virtualbox-iso"), { why: "host lacks virtualbox" });
  t.like(everything.skipped.find((s) => s.type === "vmware-iso"), { why: "host lacks vmware" });
  t.like(everything.skipped.find((s) => s.type === "googlecompute"), { why: "this agent has no plugin for it yet" });
  t.deepEqual(builderTypesFor([], ["null"]).types, ["null"]);
  t.like(builderTypesFor([], ["null"]).skipped.find((s) => s.type === "file"), { why: "not in --builders" });
  t.throws(() => builderTypesFor([], ["qemu"]), { instanceOf: BuilderFilterError, message: /cannot run "qemu"/ });
  t.throws(() => builderTypesFor([], ["nope"]), { instanceOf: BuilderFilterError, message: /"nope" is not a builder type Kiln knows/ });
});
