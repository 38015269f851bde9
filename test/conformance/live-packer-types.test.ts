/**
 * The generated key tables and the transcribed Prepare rules, spot-checked against the live
 * `packer validate` (1.6.6, from apt): for every component type, a bare configuration (which
 * Packer's own checks mostly refuse) and one with an unknown key must get the same exit status
 * from both. Skipped, saying so, where packer is absent.
 */
import test from "ava";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TABLES } from "../../shared/components/packer-keys/keys.generated.js";
import { invoke } from "./invoke.js";
import { havePacker166, runPacker } from "../fixtures/packer-cli.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

const havePacker = await havePacker166();
if (!havePacker) console.log("live-packer-types: skipped, packer 1.6.6 is not on PATH (apt install packer)");

/**
 * Where Kiln knowingly differs, with the reason. Debian's packer build lacks a few upstream 1.6.6
 * components (compat/README.md); Kiln knows them, as upstream does.
 */
const DIFFERENCES: Record<string, string> = {
  "builder/hyperone": "missing from Debian's packer build",
  "builder/osc-chroot": "missing from Debian's packer build",
  "builder/yandex": "missing from Debian's packer build",
  "post-processor/ucloud-import": "missing from Debian's packer build",
  "post-processor/yandex-export": "missing from Debian's packer build",
  "post-processor/yandex-import": "missing from Debian's packer build",
  "builder/azure-chroot": "Packer asks Azure's metadata service while validating; Kiln does not reach the network",
  "builder/azure-dtl": "its Prepare rules are not transcribed yet",
  "builder/oracle-classic": "its Prepare rules are not transcribed yet",
  "provisioner/converge": "its Prepare rules are not transcribed yet",
};

function templateFor(kind: string, type: string, config: Record<string, unknown>): unknown {
  const component = { type, ...config };
  if (kind === "builder") return { builders: [component] };
  if (kind === "provisioner") return { builders: [{ type: "null", communicator: "none" }], provisioners: [component] };
  return { builders: [{ type: "null", communicator: "none" }], "post-processors": [component] };
}

(havePacker ? test : test.skip)("validate agrees with the live packer 1.6.6 on every component type, bare and with an unknown key", async (t) => {
  t.timeout(10 * 60_000);
  const dir = tempDirSync("kiln-live-types-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, CHECKPOINT_DISABLE: "1" };
  const disagreements: string[] = [];
  let compared = 0;
  for (const kind of ["builder", "provisioner", "post-processor"] as const) {
    for (const type of Object.keys(TABLES.components[kind]).sort()) {
      if (DIFFERENCES[`${kind}/${type}`]) continue;
      for (const [label, config] of [["bare", {}], ["unknown key", { bogus_key: 1 }]] as const) {
        writeFileSync(join(dir, "t.json"), JSON.stringify(templateFor(kind, type, config)));
        const packer = await runPacker(["validate", "t.json"], { cwd: dir, env, killAfterMs: 60_000, retryOnTimeout: true });
        const kiln = await invoke(["packer", "validate", "t.json"], { cwd: dir, env });
        compared++;
        if (packer.status !== kiln.exitCode) {
          disagreements.push(`${kind} ${type} (${label}): packer ${packer.status}, kiln ${kiln.exitCode}\n  packer: ${packer.stdout.replace(/\s+/g, " ").slice(0, 300)}\n  kiln: ${(kiln.stdout + kiln.stderr).replace(/\s+/g, " ").slice(0, 300)}`);
        }
      }
    }
  }
  t.log(`${compared - disagreements.length}/${compared} agree`);
  t.deepEqual(disagreements, []);
});
