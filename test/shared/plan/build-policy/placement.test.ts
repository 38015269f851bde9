/**
 * Farm placement in the side file and on the command line: `labels` and `priority` per
 * build-name glob in kiln.json and kiln.hcl, later globs replacing earlier ones, the flags winning;
 * bad values refused naming file, line and setting. And the job queue a placement becomes.
 */
import test from "ava";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BuildPolicyError, labelsOf, loadSideFile, policyFor, priorityOf } from "../../../../shared/plan/build-policy/index.js";
import { jobQueue, parseJobQueue } from "../../../../shared/bus/index.js";
import { canServeQueue } from "../../../../agent/farm/job-queues.js";
import { tempDirSync } from "../../../fixtures/temp-dir.js";

function folderWith(name: string, text: string): string {
  const dir = tempDirSync("kiln-placement-");
  writeFileSync(join(dir, name), text);
  return dir;
}

test("kiln.json: labels and priority per glob, a later glob's labels replace earlier ones, the flags win", async (t) => {
  const dir = folderWith(
    "kiln.json",
    JSON.stringify({ builds: { "*": { labels: ["site=eu"], priority: "low" }, "qemu.*": { labels: ["kvm", "site=eu", "kvm"], priority: "high" } } }, null, 2),
  );
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const side = await loadSideFile(dir);
  t.deepEqual(policyFor("docker.a", side, {}), { retries: 0, labels: ["site=eu"], priority: "low" });
  t.deepEqual(policyFor("qemu.b", side, {}), { retries: 0, labels: ["kvm", "site=eu"], priority: "high" }, "sorted, repeats dropped, the later glob's list replaces");
  t.deepEqual(policyFor("qemu.b", side, { labels: ["gpu"], priority: "normal" }), { retries: 0, labels: ["gpu"], priority: "normal" });
});

test("kiln.hcl: the same settings as HCL attributes", async (t) => {
  const dir = folderWith("kiln.hcl", 'build "*" {\n  labels   = ["gpu", "site=us-east"]\n  priority = "high"\n  retries  = 1\n}\n');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.deepEqual(policyFor("x", await loadSideFile(dir), {}), { retries: 1, labels: ["gpu", "site=us-east"], priority: "high" });
});

test("a bad label or priority is refused naming the file, line, column and setting", async (t) => {
  const json = folderWith("kiln.json", '{\n  "builds": {\n    "a": { "retries": 1,\n           "labels": ["gpu", "site.eu"] }\n  }\n}\n');
  t.teardown(() => rmSync(json, { recursive: true, force: true }));
  const e1 = await t.throwsAsync(loadSideFile(json, "tpl"), { instanceOf: BuildPolicyError });
  t.regex(e1!.message, /^tpl\/kiln\.json:4:12: builds "a" labels\[1\]: "site\.eu" is not a label: write a name or name=value/);

  const json2 = folderWith("kiln.json", '{ "builds": { "a": { "labels": { "gpu": true } } } }');
  t.teardown(() => rmSync(json2, { recursive: true, force: true }));
  await t.throwsAsync(loadSideFile(json2, "tpl"), { message: /^tpl\/kiln\.json:1:22: builds "a" labels: labels must be a list of strings/ });

  const hcl = folderWith("kiln.hcl", 'build "b" {\n  retries  = 1\n  priority = "urgent"\n}\n');
  t.teardown(() => rmSync(hcl, { recursive: true, force: true }));
  await t.throwsAsync(loadSideFile(hcl, "tpl"), { message: /^tpl\/kiln\.hcl:3:3: build "b" priority: priority must be one of low, normal, high \(got "urgent"\)/ });

  t.throws(() => labelsOf(["a", "b", "c", "d", "e", "f", "g", "h", "i"], "-label"), { message: /-label: at most 8 labels \(got 9\)/ });
  t.throws(() => labelsOf(["site_eu"], "-label"), { message: /-label\[0\]: "site_eu" is not a label/ }, '"_" would blur queue names');
  t.throws(() => priorityOf(5, "-priority"), { message: /-priority: priority must be one of low, normal, high \(got 5\)/ });
});

test("a placement is one queue name that reads back, and an agent serves it only with every label", (t) => {
  const queue = jobQueue("null", ["ansible"], ["site=eu", "gpu"], "high");
  t.is(queue, "null__ansible__L_gpu__L_site_eu__P_high");
  t.deepEqual(parseJobQueue(queue), { builderType: "null", hostNeeds: ["ansible"], labels: ["gpu", "site=eu"], priority: "high" });
  t.is(jobQueue("qemu"), "qemu", "no labels, normal priority: the queue of before");
  const offer = { builderTypes: ["null"], capabilities: ["ansible"], labels: ["gpu", "site=eu", "ssd"] };
  t.true(canServeQueue(queue, offer));
  t.false(canServeQueue(queue, { ...offer, labels: ["gpu"] }), "site=eu missing");
  t.false(canServeQueue(jobQueue("null", [], ["site"]), offer), "a bare name is not name=value");
  t.false(canServeQueue(jobQueue("qemu", [], ["gpu"]), offer), "not its builder type");
  t.throws(() => jobQueue("null", [], ["x".repeat(60) + "=" + "y".repeat(60)]), { message: /cannot be a NATS subject token/ });
});
