/**
 * What the controller does for a submitted template, done by hand for agent tests: a real NATS
 * server with the farm's resources, a template planned the way `kiln validate` plans it, its
 * folder packed with the real `tar`, the bundle in the object store, records in KV and one job
 * message per build on `kiln.jobs.<type>`.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  buildKey,
  connectBus,
  decodeJobRecord,
  encode,
  ensureFarmResources,
  jobKey,
  jobSubject,
  type Bus,
  type BuildRecord,
  type JobMessage,
  type JobRecord,
} from "../../../shared/bus/index.js";
import { serveAgentJobRecords, silentLog } from "../../../controller/index.js";
import { builderSchema } from "../../../shared/components/registry.js";
import { loadTemplateForReport, planTemplate } from "../../../shared/validation/load-and-plan.js";
import { startNatsServer, type NatsServerFixture } from "../../fixtures/nats-server.js";
import { tempDir } from "../../fixtures/temp-dir.js";

export interface Farm {
  nats: NatsServerFixture;
  bus: Bus;
  stop(): Promise<void>;
}

export async function startFarm(ackWaitMs = 30_000): Promise<Farm> {
  const nats = await startNatsServer();
  const bus = await connectBus({ url: nats.url, name: "agent-test" });
  await ensureFarmResources(bus.nc, { ackWaitMs, maxDeliver: 3, presenceTtlMs: 15_000 });
  // The one controller part agents cannot work without: it writes their job records.
  const records = serveAgentJobRecords({ bus, log: silentLog });
  return {
    nats,
    bus,
    async stop() {
      await records.stop();
      await bus.close();
      await nats.stop();
    },
  };
}

export interface Submitted {
  buildId: string;
  jobs: JobMessage[];
  templateDir: string;
}

/** Writes `template` (and `files`) into a temp folder, plans it (with `-var` pairs `vars`), and queues its builds. */
export async function submitTemplate(bus: Bus, template: unknown, files: Record<string, string> = {}, vars: [string, string][] = []): Promise<Submitted> {
  const templateDir = await tempDir("kiln-agent-tpl-");
  await writeFile(join(templateDir, "template.json"), JSON.stringify(template, null, 2));
  for (const [name, text] of Object.entries(files)) await writeFile(join(templateDir, name), text);
  const loaded = loadTemplateForReport("template.json", templateDir);
  if (!loaded.ok) throw new Error(loaded.text);
  const planned = planTemplate(loaded.template, { vars, varFiles: [], only: [], except: [] }, templateDir, {});
  if (!planned.ok) throw new Error(JSON.stringify(planned.diagnostics));

  const tgzPath = join(await tempDir("kiln-agent-bundle-"), "bundle.tar.gz");
  execFileSync("tar", ["-czf", tgzPath, "-C", templateDir, "."]);
  const tgz = await readFile(tgzPath);
  await rm(dirname(tgzPath), { recursive: true, force: true });
  const sha256 = createHash("sha256").update(tgz).digest("hex");
  if (!(await bus.bundles.info(sha256))) await bus.bundles.putBlob({ name: sha256 }, tgz);

  const buildId = randomUUID().replace(/-/g, "").slice(0, 20);
  const submittedAt = new Date().toISOString();
  const record: BuildRecord = {
    id: buildId,
    template: "template.json",
    submittedAt,
    jobCount: planned.specs.length,
    jobNames: planned.specs.map((s) => s.name),
    cancelRequested: false,
    waitTimeoutMs: 0,
  };
  await bus.builds.put(buildKey(buildId), encode(record));
  const jobs: JobMessage[] = [];
  for (const [jobIndex, spec] of planned.specs.entries()) {
    const needs = [...(builderSchema(spec.builder.type)?.needs ?? [])];
    const job: JobMessage = {
      buildId,
      jobIndex,
      templateInBundle: "template.json",
      bundle: { sha256, size: tgz.length },
      spec,
      onError: "cleanup",
      force: false,
      needs,
      submittedAt,
    };
    const jobRecord: JobRecord = {
      buildId,
      jobIndex,
      name: spec.name,
      builderType: spec.builder.type,
      needs,
      state: "queued",
      attempts: 0,
      artifacts: [],
    };
    await bus.builds.put(jobKey(buildId, jobIndex), encode(jobRecord));
    await bus.js.publish(jobSubject(spec.builder.type), encode(job), { msgID: `${buildId}.${jobIndex}` });
    jobs.push(job);
  }
  return { buildId, jobs, templateDir };
}

export async function jobRecord(bus: Bus, buildId: string, jobIndex: number): Promise<JobRecord | undefined> {
  const key = jobKey(buildId, jobIndex);
  const entry = await bus.builds.get(key);
  return entry && entry.operation === "PUT" ? decodeJobRecord(entry.value, key) : undefined;
}

/** Polls until `check` holds (or fails the wait with `what`). */
export async function waitFor<T>(what: string, get: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (check(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function finished(r: JobRecord | undefined): boolean {
  return r !== undefined && (r.state === "succeeded" || r.state === "failed" || r.state === "cancelled");
}

/** True while a process with this pid exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const cliMain = join(dirname(fileURLToPath(import.meta.url)), "../../../cli/main.js");

/** `kiln agent …` as its own process, the way an operator runs it. */
export function spawnAgentCli(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const script = `import(${JSON.stringify(cliMain)}).then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; });`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script, "agent", ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

