/**
 * DownloadArtifact's chunk encoding, A/B in one process: the same artifact served by two gRPC
 * servers over the same controller state, one with the generated encoder (A, the baseline), one
 * with encodeArtifactChunk (B, what the controller serves), downloaded in turn by the real
 * `kiln artifacts --download` in a process of its own. Prints download MB/s and the serving
 * process's CPU time per download (the steadier figure on a shared machine), medians and B/A.
 *
 *   npm run build && node dist/bench/farm/artifact-encoding.js [--mib=256] [--runs=5]
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { credentials, Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { uploadArtifacts } from "../../agent/farm/artifact-upload.js";
import { encodeArtifactChunk } from "../../controller/artifact-chunk-wire.js";
import type { ControllerContext } from "../../controller/context.js";
import { downloadArtifact } from "../../controller/download-artifact.js";
import { silentLog, startController } from "../../controller/index.js";
import { FarmClient, FarmService, type ArtifactChunk, type DownloadArtifactRequest } from "../../proto/gen/kiln/v1/farm.js";
import { buildKey, encode, jobKey, type BuildRecord, type JobRecord } from "../../shared/bus/index.js";
import { startNatsServer } from "../../test/fixtures/nats-server.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const argValue = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const size = Number(argValue("mib") ?? 256) * 1024 * 1024;
const runs = Number(argValue("runs") ?? 5);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const nats = await startNatsServer();
const controller = await startController({ listen: "127.0.0.1:0", nats: { url: nats.url } });
const real = new FarmClient(controller.address, credentials.createInsecure());
const work = await mkdtemp(join(tmpdir(), "kiln-bench-encoding-"));
const servers: Server[] = [];
try {
  await writeFile(join(work, "disk.img"), randomBytes(size));
  const id = `bench-enc-${Date.now().toString(36)}`;
  const job: JobRecord = { buildId: id, jobIndex: 0, name: "big", builderType: "null", needs: [], state: "running", agent: "bench", heldBy: [{ agent: "bench", afterSequence: 0 }], attempts: 1, artifacts: [] };
  const record: BuildRecord = { id, template: "bench.json", submittedAt: new Date().toISOString(), jobCount: 1, jobNames: ["big"], cancelRequested: false, waitTimeoutMs: 0 };
  await controller.bus.builds.create(jobKey(id, 0), encode(job));
  await controller.bus.builds.create(buildKey(id), encode(record));
  const refs = await uploadArtifacts([{ builderId: "bench", id: "disk", description: "disk image", files: [join(work, "disk.img")] }], {
    bus: controller.bus, buildId: id, jobIndex: 0, attempt: 1, workDir: work, warn: (m) => console.log(m),
  });
  await controller.bus.builds.put(jobKey(id, 0), encode({ ...job, state: "succeeded", artifacts: refs } satisfies JobRecord));

  // Only what `kiln artifacts --download` calls: GetBuild (from the real controller) and DownloadArtifact.
  const ctx = { bus: controller.bus, log: silentLog } as unknown as ControllerContext;
  const serve = async (service: typeof FarmService): Promise<string> => {
    const server = new Server();
    servers.push(server);
    const handlers: UntypedServiceImplementation = {
      getBuild: (call: ServerUnaryCall<{ buildId: string }, unknown>, cb: sendUnaryData<unknown>) => real.getBuild({ buildId: call.request.buildId }, (e, r) => cb(e, r)),
      downloadArtifact: (call: ServerWritableStream<DownloadArtifactRequest, ArtifactChunk>) =>
        void downloadArtifact(ctx, call.request, call).then(() => call.end(), (e: unknown) => call.destroy(e as Error)),
    };
    server.addService(service, handlers);
    const port = await new Promise<number>((ok, fail) => server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? fail(e) : ok(p))));
    return `127.0.0.1:${port}`;
  };
  const variants = {
    "A generated encoder": await serve(FarmService),
    "B encodeArtifactChunk": await serve({ ...FarmService, downloadArtifact: { ...FarmService.downloadArtifact, responseSerialize: encodeArtifactChunk } }),
  };
  const mbps: Record<string, number[]> = {};
  const cpuMs: Record<string, number[]> = {};
  for (let i = 0; i < runs; i++) {
    for (const [name, address] of Object.entries(variants)) {
      const dest = join(work, `download-${i}`);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await new Promise<void>((ok, fail) => {
        const cli = spawn(process.execPath, [join(repo, "bin/kiln.js"), "artifacts", "--controller", address, "--download", dest, id], { stdio: ["ignore", "ignore", "inherit"] });
        cli.once("error", fail);
        cli.once("exit", (code) => (code === 0 ? ok() : fail(new Error(`kiln artifacts --download exited ${code}`))));
      });
      const cpu = process.cpuUsage(c0);
      (mbps[name] ??= []).push(size / 1e6 / ((performance.now() - t0) / 1000));
      (cpuMs[name] ??= []).push((cpu.user + cpu.system) / 1000);
      await rm(dest, { recursive: true, force: true });
    }
  }
  for (const name of Object.keys(variants)) {
    console.log(`${name}: download ${mbps[name].map((x) => x.toFixed(0)).join(" ")} MB/s (median ${median(mbps[name]).toFixed(0)}), serving CPU ${cpuMs[name].map((x) => x.toFixed(0)).join(" ")} ms (median ${median(cpuMs[name]).toFixed(0)})`);
  }
  const [a, b] = Object.keys(variants);
  console.log(`B/A: download ${(median(mbps[b]) / median(mbps[a])).toFixed(2)}x, serving CPU ${(median(cpuMs[b]) / median(cpuMs[a])).toFixed(2)}x (${size / 1024 / 1024} MiB, ${runs} runs each, alternating)`);
} finally {
  for (const s of servers) s.forceShutdown();
  real.close();
  await rm(work, { recursive: true, force: true });
  await controller.stop();
  await nats.stop();
}
