/**
 * The legacy SCP protocol (`scp -O`, and older clients: the remote side runs `scp -t DEST` to
 * receive or `scp -f SRC` to send) served by the adapter itself, files going through the build's
 * communicator. Single files, with `-p` times accepted; folders (`-r`) are refused with a message.
 */
import type { ServerChannel } from "ssh2";
import { posix } from "node:path";
import { RemoteFiles } from "./remote-files.js";

/** Parsed `scp` command line, or undefined when the command is not one the adapter serves. */
export function parseScpCommand(command: string): { mode: "sink" | "source"; path: string } | undefined {
  const words = command.trim().split(/\s+/);
  if (words[0] !== "scp" && !words[0]?.endsWith("/scp")) return undefined;
  let mode: "sink" | "source" | undefined;
  const rest: string[] = [];
  for (const w of words.slice(1)) {
    if (w === "--") continue;
    if (w.startsWith("-")) {
      if (w.includes("t")) mode = "sink";
      if (w.includes("f")) mode = "source";
    } else rest.push(w.replace(/^'(.*)'$/, "$1"));
  }
  if (!mode || rest.length !== 1) return undefined;
  return { mode, path: rest[0]! };
}

/** Reads the channel as a byte queue the protocol steps pull from. */
class ChannelReader {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting?: () => void;
  private ended = false;

  constructor(channel: ServerChannel) {
    channel.on("data", (d: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      this.waiting?.();
    });
    channel.on("end", () => {
      this.ended = true;
      this.waiting?.();
    });
  }

  private async more(): Promise<void> {
    if (this.ended) throw new Error("scp: the client closed the connection");
    await new Promise<void>((r) => (this.waiting = r));
    this.waiting = undefined;
  }

  async line(): Promise<string | undefined> {
    for (;;) {
      const nl = this.buffered.indexOf(0x0a);
      if (nl >= 0) {
        const text = this.buffered.subarray(0, nl).toString("utf8");
        this.buffered = this.buffered.subarray(nl + 1);
        return text;
      }
      if (this.ended) return undefined;
      await this.more();
    }
  }

  async bytes(n: number): Promise<Buffer> {
    while (this.buffered.length < n) await this.more();
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }
}

export async function serveLegacyScp(channel: ServerChannel, files: RemoteFiles, scp: { mode: "sink" | "source"; path: string }): Promise<number> {
  const reader = new ChannelReader(channel);
  const ack = (): boolean => channel.write(Buffer.from([0]));
  if (scp.mode === "sink") {
    const targetIsDir = (await files.stat(scp.path))?.mode !== undefined && (((await files.stat(scp.path))!.mode & 0o170000) === 0o040000);
    ack();
    for (;;) {
      const header = await reader.line();
      if (header === undefined || header === "") return 0;
      const kind = header[0];
      if (kind === "T") {
        ack();
        continue;
      }
      if (kind === "D" || kind === "E") {
        channel.write(Buffer.from("\x01scp: folders (-r) are not relayed by the Kiln ansible adapter\n"));
        return 1;
      }
      const m = /^C([0-7]{4}) (\d+) (.+)$/.exec(header);
      if (!m) {
        channel.write(Buffer.from(`\x01scp: protocol error: ${header}\n`));
        return 1;
      }
      ack();
      const data = await reader.bytes(Number(m[2]));
      await reader.bytes(1);
      const target = targetIsDir ? posix.join(scp.path, m[3]!) : scp.path;
      await files.write(target, data, parseInt(m[1]!, 8));
      ack();
    }
  }
  await reader.bytes(1);
  const stat = await files.stat(scp.path);
  if (!stat) {
    channel.write(Buffer.from(`\x01scp: ${scp.path}: No such file or directory\n`));
    return 1;
  }
  const data = await files.read(scp.path);
  channel.write(Buffer.from(`C${(stat.mode & 0o7777).toString(8).padStart(4, "0")} ${data.length} ${posix.basename(scp.path)}\n`));
  await reader.bytes(1);
  channel.write(data);
  channel.write(Buffer.from([0]));
  await reader.bytes(1);
  return 0;
}
