/**
 * What the controller tests share: a real nats-server, a controller on a free loopback port, a
 * real grpc-js client, and template folders packed with the real GNU tar.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { credentials, Metadata, type ChannelCredentials, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { startController, type ControllerOptions, type RunningController } from "../../controller/index.js";
import {
  FarmClient,
  type Build,
  type BuildOutput,
  type CancelBuildResponse,
  type ListAgentsResponse,
  type ListBuildsResponse,
  SubmitBuildRequest,
  type SubmitBuildResponse,
} from "../../proto/gen/kiln/v1/farm.js";
import { startNatsServer, type NatsServerFixture } from "../fixtures/nats-server.js";
import { submitBuildStreamed } from "../../cli/farm-client/submit-stream.js";
import { tempDir } from "../fixtures/temp-dir.js";

export interface Harness {
  nats: NatsServerFixture;
  controller: RunningController;
  client: FarmClient;
  dir: string;
  /** Starts (another) controller on the same NATS; the harness stops it at the end. */
  startAnother(overrides?: Partial<ControllerOptions>): Promise<RunningController>;
}

export async function startHarness(
  t: { teardown(fn: () => Promise<void> | void): void },
  overrides: Partial<ControllerOptions> = {},
  clientCredentials: ChannelCredentials = credentials.createInsecure(),
): Promise<Harness> {
  const dir = await tempDir("kiln-ctl-test-");
  const nats = await startNatsServer();
  const controllers: RunningController[] = [];
  t.teardown(async () => {
    for (const c of controllers) await c.stop();
    await nats.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const startAnother = async (more: Partial<ControllerOptions> = {}): Promise<RunningController> => {
    const c = await startController({ listen: "127.0.0.1:0", nats: { url: nats.url }, sweepIntervalMs: 200, ...overrides, ...more });
    controllers.push(c);
    return c;
  };
  const controller = await startAnother();
  const client = new FarmClient(`127.0.0.1:${controller.port}`, clientCredentials);
  t.teardown(() => client.close());
  return { nats, controller, client, dir, startAnother };
}

/** Writes files into a new folder under `dir` and packs it with GNU tar; returns the tar.gz bytes. */
export async function packTemplate(dir: string, files: Record<string, string>): Promise<Buffer> {
  const folder = await mkdtemp(path.join(dir, "tpl-"));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(folder, name)), { recursive: true });
    await writeFile(path.join(folder, name), content);
  }
  const tgz = `${folder}.tgz`;
  execFileSync("tar", ["-czf", tgz, "-C", folder, "."]);
  return readFile(tgz);
}

export function submitRequest(bundle: Buffer, more: Partial<SubmitBuildRequest> = {}): SubmitBuildRequest {
  // ts-proto's fromPartial fills every other field with its proto default.
  return SubmitBuildRequest.fromPartial({ bundle, templatePath: "template.json", displayPath: "template.json", ...more });
}

export function bearer(token: string): Metadata {
  const m = new Metadata();
  m.set("authorization", `Bearer ${token}`);
  return m;
}

/** A unary call as a promise (rejects with the ServiceError). */
function unary<Res>(start: (callback: (err: ServiceError | null, res: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => {
    start((err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** The unary rpcs as promises, with optional metadata. */
export const rpc = {
  submitBuild: (c: FarmClient, req: SubmitBuildRequest, md = new Metadata()): Promise<SubmitBuildResponse> => submitBuildStreamed(c, req, md),
  getBuild: (c: FarmClient, buildId: string, md = new Metadata()) => unary<Build>((cb) => c.getBuild({ buildId }, md, cb)),
  listBuilds: (c: FarmClient, md = new Metadata()) => unary<ListBuildsResponse>((cb) => c.listBuilds({ limit: 0, before: "" }, md, cb)),
  /** One page of builds, newest first: what a client with many builds reads (one answer for all of them passes gRPC's 4 MB default). */
  listBuildsPage: (c: FarmClient, limit: number, before: string, md = new Metadata()) => unary<ListBuildsResponse>((cb) => c.listBuilds({ limit, before }, md, cb)),
  listAgents: (c: FarmClient, md = new Metadata()) => unary<ListAgentsResponse>((cb) => c.listAgents({}, md, cb)),
  cancelBuild: (c: FarmClient, buildId: string, md = new Metadata()) => unary<CancelBuildResponse>((cb) => c.cancelBuild({ buildId }, md, cb)),
};

/** Reads a server stream to its end. */
export function collect<T>(stream: ClientReadableStream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const items: T[] = [];
    stream.on("data", (d: T) => items.push(d));
    stream.on("error", reject);
    stream.on("end", () => resolve(items));
  });
}

export function watch(client: FarmClient, buildId: string, afterSequence: number, follow: boolean, metadata = new Metadata()): ClientReadableStream<BuildOutput> {
  // Plain text: the controller decompresses agents' log batches (the CLI's passing-on is tested in watch-build.test.ts).
  return client.watchBuild({ buildId, afterSequence, follow, acceptTextEncodings: [] }, metadata);
}

export const TWO_BUILDERS = JSON.stringify({
  builders: [
    { type: "file", name: "local-file", target: "out.txt", content: "hello" },
    { type: "docker", name: "container", image: "debian:bookworm", discard: true },
  ],
});

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export type { Build };
