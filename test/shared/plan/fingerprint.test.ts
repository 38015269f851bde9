import test from "ava";
import { rmSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { BuildSpec } from "../../../shared/plan/build-spec.js";
import { buildFingerprint } from "../../../shared/plan/fingerprint/index.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

function spec(dir: string, over: Partial<BuildSpec> = {}): BuildSpec {
  const initTime = over.initTime ?? "2026-12-05T10:00:00.000Z";
  const seconds = String(Math.floor(Date.parse(initTime) / 1000));
  return {
    name: "q",
    builder: { type: "qemu", config: { iso_url: join(dir, "base.qcow2"), ami_name: "img {{timestamp}}" } },
    provisioners: [{ type: "shell", raw: { type: "shell", config: { script: "scripts/setup.sh" } }, pauseBeforeMs: 0, maxRetries: 0, timeoutMs: 0 }],
    postProcessorChains: [],
    variables: { stamp: `build-${seconds}`, region: "eu" },
    declaredVariables: ["stamp", "region"],
    sensitiveValues: [],
    template: { displayPath: "t.json", path: join(dir, "t.json") },
    files: ["scripts"],
    initTime,
    runUuid: "11111111-1111-1111-1111-111111111111",
    ...over,
  };
}

function folder(): string {
  const dir = tempDirSync("kiln-fp-");
  mkdirSync(join(dir, "scripts"));
  writeFileSync(join(dir, "scripts/setup.sh"), "echo one\n");
  writeFileSync(join(dir, "base.qcow2"), "base image bytes");
  return dir;
}

test("another run of the same build (new time, new run uuid, a variable made from the time) has the same fingerprint", async (t) => {
  const dir = folder();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const a = await buildFingerprint(spec(dir), dir);
  const b = await buildFingerprint(spec(dir, { initTime: "2026-12-06T11:22:33.000Z", runUuid: "22222222-2222-2222-2222-222222222222" }), dir);
  t.is(a, b);
  t.regex(a, /^[0-9a-f]{64}$/);
});

test("a changed variable, a changed file in a folder the build reads, or a changed base image give another fingerprint", async (t) => {
  const dir = folder();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const base = await buildFingerprint(spec(dir), dir);
  t.not(await buildFingerprint(spec(dir, { variables: { stamp: "x", region: "us" } }), dir), base);
  writeFileSync(join(dir, "scripts/setup.sh"), "echo two\n");
  const script = await buildFingerprint(spec(dir), dir);
  t.not(script, base);
  writeFileSync(join(dir, "base.qcow2"), "another base image");
  t.not(await buildFingerprint(spec(dir), dir), script);
});
