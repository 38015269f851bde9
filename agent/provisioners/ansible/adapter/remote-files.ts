/**
 * What the adapter's SFTP and SCP servers need from the machine being built, done through the
 * build's own communicator (ssh, docker exec…): file contents both ways, and metadata and small
 * changes through POSIX shell commands the guest runs (GNU or busybox `stat`).
 */
import { Writable } from "node:stream";
import type { Communicator, RemoteFileAttributes } from "../../../communicators/types.js";
import { shellQuote } from "../../../communicators/shell-quote.js";

/** What STAT answers (st_mode with the type bits, size, owner, times). */
export type RemoteStat = RemoteFileAttributes;


export class RemoteFiles {
  constructor(private readonly comm: Communicator, private readonly signal: AbortSignal) {}

  /** Runs a shell command on the guest; resolves with its exit status and stdout. */
  async sh(command: string): Promise<{ code: number; out: string }> {
    let out = "";
    const code = await this.comm.run({ command, onStdout: (c) => (out += c) }, this.signal);
    return { code, out };
  }

  async stat(path: string, followLinks = true): Promise<RemoteStat | undefined> {
    // One SFTP request on the communicator's session where it has one (ssh): much faster than a command.
    if (this.comm.files) return this.comm.files.stat(path, followLinks);
    const { code, out } = await this.sh(`stat ${followLinks ? "-L " : ""}-c '%f %s %u %g %X %Y' -- ${shellQuote(path)} 2>/dev/null`);
    if (code !== 0) return undefined;
    const [mode, size, uid, gid, atime, mtime] = out.trim().split(/\s+/);
    return { mode: parseInt(mode ?? "0", 16), size: Number(size), uid: Number(uid), gid: Number(gid), atime: Number(atime), mtime: Number(mtime) };
  }

  async realpath(path: string): Promise<string> {
    if (this.comm.files) {
      try {
        return await this.comm.files.realpath(path);
      } catch {
        // SFTP's realpath fails on a path that does not exist yet; `realpath -m` below does not.
      }
    }
    const { code, out } = await this.sh(`realpath -m -- ${shellQuote(path)} 2>/dev/null || (cd ${shellQuote(path)} 2>/dev/null && pwd)`);
    return code === 0 && out.trim() !== "" ? out.trim() : path;
  }

  async read(path: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    await this.comm.download(
      path,
      new Writable({
        write(chunk: Buffer, _enc, done) {
          chunks.push(chunk);
          done();
        },
      }),
    );
    return Buffer.concat(chunks);
  }

  write(path: string, content: Buffer, mode?: number): Promise<void> {
    return this.comm.upload(path, content, mode === undefined ? undefined : { mode });
  }

  async chmod(path: string, mode: number): Promise<void> {
    if (this.comm.files) return this.comm.files.chmod(path, mode);
    await this.ok(`chmod ${mode.toString(8)} -- ${shellQuote(path)}`);
  }

  async ok(command: string): Promise<boolean> {
    return (await this.sh(command)).code === 0;
  }
}

