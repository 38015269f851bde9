/**
 * The libvirt builder's warm key and what -warm accepts, without libvirtd: the key stays the same
 * across what changes per build (domain name, pool and volume names, the base image's path) and
 * changes with the base image's content and the domain's shape; configurations whose state the
 * key cannot see boot cold, saying why.
 */
import test from "ava";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { libvirtWarmKey } from "../../../../agent/builders/libvirt/warm/warm-key.js";
import { warmUnsupported } from "../../../../agent/builders/libvirt/warm/step-warm-plan.js";
import { schema, type Config } from "../../../../shared/components/builders/libvirt.js";
import { tempDirSync } from "../../../fixtures/temp-dir.js";

function config(over: Record<string, unknown> = {}, artifact: Record<string, unknown> = {}, extraVolumes: unknown[] = []): Config {
  return schema.prepare(
    {
      type: "libvirt",
      config: {
        libvirt_uri: "qemu:///system",
        domain_type: "qemu",
        domain_name: "one",
        memory: 512,
        network_interface: [{ type: "user", alias: "communicator" }],
        communicator: { communicator: "ssh", ssh_username: "root", ssh_password: "packer" },
        volume: [
          { alias: "artifact", pool: "p1", name: "a.qcow2", bus: "virtio", capacity: "3G", source: { type: "backing-store", path: "/base.qcow2" }, ...artifact },
          { pool: "p1", bus: "sata", source: { type: "cloud-init", user_data: "#cloud-config\n{}\n" } },
          ...extraVolumes,
        ],
        ...over,
      },
    },
    { interpolation: {}, templateDir: "/", cwd: "/" } as never,
  );
}

test("the key ignores names and paths a build changes, and follows the base's content and the domain's shape", async (t) => {
  const dir = tempDirSync("kiln-libvirt-warm-key-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const [baseA, copyOfA, baseB] = ["a.qcow2", "copy-of-a.qcow2", "b.qcow2"].map((n) => join(dir, n));
  writeFileSync(baseA!, "base image A");
  writeFileSync(copyOfA!, "base image A");
  writeFileSync(baseB!, "base image B");
  const key = (c: Config, basePath: string): Promise<string> => libvirtWarmKey({ config: c, domainType: "qemu", libvirtVersion: "9.0.0", basePath, digests: new Map() });

  const first = await key(config(), baseA!);
  t.regex(first, /^[0-9a-f]{32}$/);
  t.is(await key(config({ domain_name: "two" }, { pool: "p2", name: "other.qcow2", source: { type: "backing-store", path: copyOfA } }), copyOfA!), first);
  t.not(await key(config(), baseB!), first, "another base image content");
  t.not(await key(config({ memory: 1024 }), baseA!), first, "more memory");
  t.not(await key(config({ vcpu: 2 }), baseA!), first, "more CPUs");
  t.not(await key(config({}, { capacity: "4G" }), baseA!), first, "a bigger disk");
  t.not(await libvirtWarmKey({ config: config(), domainType: "qemu", libvirtVersion: "9.1.0", basePath: baseA!, digests: new Map() }), first, "another libvirt");
});

test("-warm boots cold, saying why, when the key could not see the guest's state", (t) => {
  t.is(warmUnsupported(config()), undefined);
  t.regex(warmUnsupported(config({}, { source: undefined })) ?? "", /not an overlay on a base image/);
  t.regex(warmUnsupported(config({}, {}, [{ pool: "p1", name: "data.qcow2", bus: "virtio", capacity: "1G" }])) ?? "", /volume p1\/data\.qcow2 is not a cloud-init seed/);
  t.regex(warmUnsupported(config({ boot_command: ["<enter>"] })) ?? "", /boot_command/);
  t.regex(warmUnsupported(config({ libvirt_uri: "qemu+ssh://root@far/system", network_interface: [{ type: "bridge", bridge: "br0", alias: "communicator" }] })) ?? "", /remote/);
});
