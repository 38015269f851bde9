import type { Readable, Writable } from "node:stream";
import type { Communicator } from "./types.js";

/**
 * What Packer's file builder hands its provisioners: Packer's MockCommunicator, with no machine
 * behind it. Commands "succeed" with no output and transfers move nothing — so a template that
 * provisions a file build behaves as under Packer (shell-local runs; remote provisioners are no-ops).
 */
export class DiscardCommunicator implements Communicator {
  async run(): Promise<number> {
    return 0;
  }
  async upload(_remotePath: string, content: Readable | Buffer): Promise<void> {
    // Drain a stream so its producer (a local file) is closed, as a real upload would.
    if (!Buffer.isBuffer(content)) content.resume();
  }
  async uploadDir(): Promise<void> {}
  /** Packer's mock writes its (empty) DownloadData: the sink gets no bytes and ends. */
  async download(_remotePath: string, sink: Writable): Promise<void> {
    sink.end();
  }
  async downloadDir(): Promise<void> {}
  async close(): Promise<void> {}
}
