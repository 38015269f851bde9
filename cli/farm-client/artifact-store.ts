/**
 * Artifact files read straight from the farm's object store (`--nats`), for a client whose NATS
 * user may read it (deploy/nats/make-auth-conf.sh --artifact-reader). The controller then copies
 * no byte: on bench/farm a 1 GiB file comes at about twice the rate of the controller's link,
 * which spends a core relaying what nats-server already sends.
 *
 * Anything that stops this path (server unreachable, credentials refused, a user without the
 * permissions, an older controller that does not name the object) is said once and the
 * download goes through the controller as without --nats; a transfer cut midway is asked for
 * again the same way.
 */
import { errorMessage } from "../../shared/error-message.js";
import { Readable } from "node:stream";
import type { ArtifactStoreConnection } from "../../shared/bus/index.js";
import type { ParsedFlags } from "../flags.js";
import { readNatsFlags, type NatsFlags } from "../nats-flags.js";
import { TransferCut, type ArtifactFileRequest, type Body } from "./download.js";

/** One NATS connection for all the files of a command, made at the first file. */
export class ArtifactStoreReader {
  private connection: Promise<ArtifactStoreConnection | undefined> | undefined;
  private unusable = false;

  constructor(
    private readonly nats: NatsFlags,
    private readonly warn: (text: string) => void,
  ) {}

  /** The file's bytes from the store, or undefined when the controller must serve them. */
  async body(req: ArtifactFileRequest): Promise<Body | undefined> {
    if (this.unusable) return undefined;
    if (req.file.object === "") return this.giveUp("the controller does not name artifact objects (it predates --nats)");
    const store = await this.connect();
    if (!store) return undefined;
    const { getObject } = await import("../../shared/bus/index.js");
    let object;
    try {
      // Hashed once, by the download, against the sha256 the agent recorded.
      object = await getObject(store.artifactSource, req.file.object, { verifyDigest: false });
    } catch (e) {
      const denied = /permissions violation/i.test(messageOf(e)) ? "; a NATS user made by make-auth-conf.sh --artifact-reader may" : "";
      return this.giveUp(`reading ${req.file.path} failed: ${messageOf(e)}${denied}`);
    }
    // Not in the store (expired or deleted): the controller's answer says so in the API's words.
    if (!object) return undefined;
    const source = Readable.from(object.data, { objectMode: true });
    return {
      from: "object store",
      source,
      bytesOf: (item) => item as Uint8Array,
      whole: () => true,
      failure: (e) => {
        // Whatever cut it is likely to cut the next file too: the controller serves the rest.
        this.unusable = true;
        return new TransferCut(`reading ${req.file.path} from the object store broke off${e === undefined ? " before the end" : ` (${messageOf(e)})`}`);
      },
    };
  }

  async close(): Promise<void> {
    const store = await this.connection;
    await store?.close();
  }

  private connect(): Promise<ArtifactStoreConnection | undefined> {
    this.connection ??= (async () => {
      const { connectArtifactStore } = await import("../../shared/bus/index.js");
      try {
        return await connectArtifactStore({ ...this.nats, name: "kiln artifacts (reader)", connectTimeoutMs: 5_000 });
      } catch (e) {
        this.giveUp(messageOf(e));
        return undefined;
      }
    })();
    return this.connection;
  }

  private giveUp(reason: string): undefined {
    if (!this.unusable) this.warn(`kiln: not reading artifact files from the object store (${reason}): downloading through the controller instead.`);
    this.unusable = true;
    return undefined;
  }
}

/** The reader --nats asks for (artifactStoreFlagSpecs), or undefined without it. */
export function artifactStoreFromFlags(flags: ParsedFlags, command: string, warn: (text: string) => void): ArtifactStoreReader | undefined {
  return flags.strings.nats === undefined ? undefined : new ArtifactStoreReader(readNatsFlags(flags, command), warn);
}

function messageOf(e: unknown): string {
  return errorMessage(e);
}
