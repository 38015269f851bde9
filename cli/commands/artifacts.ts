/** `kiln artifacts ID [--download DIR]`: what a farm build made, and fetching its files. */
import { resolve } from "node:path";
import { formatFlagHelp, type FlagSpecs } from "../flags.js";
import type { CommandIO } from "../io.js";
import { MachineReadableSink } from "../output/terminal-sink.js";
import { artifactStoreFlagSpecs, farmFlagSpecs } from "../farm-client/flag-specs.js";
import { artifactStoreFromFlags } from "../farm-client/artifact-store.js";
import { FarmClientError, withFarmConnection } from "../farm-client/connect.js";
import { artifactLinkUrl } from "../farm-client/download.js";
import { buildIdArgument } from "../farm-client/build-id-argument.js";
import { fetchArtifacts } from "../farm-client/fetch-artifacts.js";
import { stateName } from "../farm-client/states.js";

const flagSpecs: FlagSpecs = {
  ...farmFlagSpecs,
  ...artifactStoreFlagSpecs(),
  download: { kind: "string", help: "Download every artifact file into DIR, at the paths a local build would leave them (manifests merged).", placeholder: "DIR" },
  links: { kind: "bool", help: "Print a link (URL) per artifact file that curl or a browser can fetch without a token for the next 10 minutes. Needs a controller with --web-listen." },
  "api-stream": { kind: "bool", help: "With --download: the controller serves the bytes through the API's gRPC stream even when it offers links (by default its web listener serves them, which costs less CPU)." },
  force: { kind: "bool", help: "With --download: start manifest files afresh when they are from another run (as -force does)." },
  "machine-readable": { kind: "bool", help: "Machine-readable lines (timestamp,BUILD,artifact-file,job,builder-id,path,size,sha256; with --links, timestamp,BUILD,artifact-link,job,path,url,expires-unix-ms)." },
};

export const help = `Usage: kiln artifacts --controller HOST:PORT [options] ID

  Lists the artifacts of farm build ID, per build (job): description and files with their size
  and sha256. With --download DIR, fetches every file into DIR (verifying each sha256), from
  the controller or, with --nats, straight from the farm's object store. With
  --links, prints a short-lived URL per file for curl or a browser, e.g.
    kiln artifacts --controller farm:7070 --links ID | grep -o 'http[^ ]*' | xargs -n1 curl -fOJ

Options:

${formatFlagHelp(flagSpecs)}`;

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const parsed = buildIdArgument("artifacts", argv, flagSpecs, help, io);
  if (!parsed) return 1;
  const { flags, buildId } = parsed;
  return withFarmConnection(flags, io, async (conn) => {
    const build = await conn.getBuild(buildId);
    const jobs = [...build.jobs].sort((a, b) => a.index - b.index);
    if (io.machineReadable || flags.bools["machine-readable"]) {
      const m = new MachineReadableSink(io.stdout);
      for (const j of jobs) for (const a of j.artifacts) for (const f of a.files) m.line(j.name, "artifact-file", String(j.index), a.builderId, f.path, String(f.size), f.sha256);
    } else {
      for (const j of jobs) {
        io.stdout.write(`${j.name} (${stateName(j.state)})${j.artifacts.length === 0 ? ": no artifacts" : ""}\n`);
        for (const a of j.artifacts) {
          io.stdout.write(`  --> ${a.description || a.id} [${a.builderId}]\n`);
          for (const f of a.files) io.stdout.write(`      ${f.path}  ${f.size} bytes  sha256:${f.sha256}\n`);
        }
      }
    }
    if (flags.bools.links) {
      const m = io.machineReadable || flags.bools["machine-readable"] ? new MachineReadableSink(io.stdout) : undefined;
      let expires = 0;
      for (const j of jobs) {
        for (const f of new Set(j.artifacts.flatMap((a) => a.files.map((file) => file.path)))) {
          const link = await conn.artifactLink({ buildId, jobIndex: j.index, path: f }).catch((e: unknown) => {
            throw conn.explain(e);
          });
          expires = link.expiresUnixMs;
          if (link.path === "") throw new FarmClientError("this controller has no web listener, so it gives no links: start it with --web-listen HOST:PORT, or fetch the files with --download DIR");
          if (m) m.line(j.name, "artifact-link", String(j.index), f, artifactLinkUrl(conn, link), String(link.expiresUnixMs));
          else io.stdout.write(`${j.name}: ${f}  ${artifactLinkUrl(conn, link)}\n`);
        }
      }
      if (!m && expires > 0) io.stderr.write(`The links work without a token until ${new Date(expires).toISOString()}.\n`);
    }
    const dir = flags.strings.download;
    if (dir) {
      const store = artifactStoreFromFlags(flags, "artifacts", (text) => io.stderr.write(`${text}\n`));
      let fetched;
      try {
        fetched = await fetchArtifacts(conn, buildId, jobs.map((j) => ({ jobIndex: j.index, artifactRefs: j.artifacts })), resolve(io.cwd, dir), flags.bools.force === true, {
          apiStreamOnly: flags.bools["api-stream"] === true,
          store,
        });
      } finally {
        await store?.close();
      }
      const from = fetched.sources.size === 0 ? "" : ` from the ${[...fetched.sources].join(" and the ")}`;
      io.stderr.write(`Downloaded ${fetched.files} artifact file${fetched.files === 1 ? "" : "s"} (${fetched.bytes} bytes) into ${resolve(io.cwd, dir)}${from}.\n`);
    }
    return 0;
  });
}
