/**
 * Packer's docker communicator over the Engine API: commands run through exec (exit status,
 * separate stdout and stderr), files move through the archive API as tar streams. Remote paths
 * are POSIX and absolute (relative ones are taken from "/", where the archive API starts).
 */
import { createWriteStream } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PassThrough, Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { StringDecoder } from "node:string_decoder";
import type Docker from "dockerode";
import * as tar from "tar";
import type { Communicator, RemoteCommand } from "../types.js";

const posix = path.posix;

export interface DockerCommunicatorOptions {
  /** `exec_user`: the user commands (and, with fixUploadOwner, uploaded files) belong to. */
  execUser?: string;
  /** `fix_upload_owner`: chown uploads to execUser, since the archive API extracts them as root. */
  fixUploadOwner: boolean;
  /**
   * Where an upload is staged on this host before it goes into the container (the build's
   * scratch folder: uploads may be secret, and a crashed agent's job folder is reaped whole).
   * Default the system temp folder.
   */
  stagingDir?: string;
}

export class DockerCommunicator implements Communicator {
  constructor(
    private readonly container: Docker.Container,
    private readonly options: DockerCommunicatorOptions,
  ) {}

  async run(cmd: RemoteCommand, signal?: AbortSignal): Promise<number> {
    signal?.throwIfAborted();
    const exec = await this.container.exec({
      Cmd: ["/bin/sh", "-c", cmd.command],
      AttachStdin: cmd.stdin !== undefined,
      AttachStdout: true,
      AttachStderr: true,
      User: this.options.execUser ?? "",
    });
    const stream = await exec.start({ hijack: true, stdin: cmd.stdin !== undefined });
    const stdout = decodedSink(cmd.onStdout);
    const stderr = decodedSink(cmd.onStderr);
    this.container.modem.demuxStream(stream, stdout, stderr);
    if (cmd.stdin) {
      cmd.stdin.on("end", () => (stream as unknown as { end(): void }).end());
      cmd.stdin.pipe(stream as unknown as Writable, { end: false });
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        stream.destroy();
        reject(signal?.reason instanceof Error ? signal.reason : new Error("command cancelled"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const done = (): void => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      stream.once("end", done);
      stream.once("close", done);
      stream.once("error", (e: Error) => {
        signal?.removeEventListener("abort", onAbort);
        reject(e);
      });
    });
    stdout.end();
    stderr.end();
    const info = await exec.inspect();
    return info.ExitCode ?? 0;
  }

  async upload(remotePath: string, content: Readable | Buffer, options?: { mode?: number }): Promise<void> {
    const target = absolute(remotePath);
    const staging = await mkdtemp(path.join(this.options.stagingDir ?? os.tmpdir(), "kiln-docker-upload-"));
    try {
      const name = posix.basename(target);
      const local = path.join(staging, name);
      await pipeline(Buffer.isBuffer(content) ? Readable.from([content]) : content, createWriteStream(local));
      await chmod(local, options?.mode ?? 0o644);
      try {
        await this.putArchive(posix.dirname(target), staging, [name]);
      } catch (e) {
        // Packer's `docker cp - <id>:<dir>` fails so (the docker CLI's stderr, then its exit status).
        if (e instanceof MissingDirectoryError) throw new Error(`Failed to upload to '${remotePath}' in container: destination "${this.container.id}:${posix.dirname(remotePath)}" must be a directory\n. exit status 1.`);
        throw e;
      }
      await this.fixOwner(target);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  async uploadDir(remoteDir: string, localDir: string): Promise<void> {
    const target = localDir.endsWith("/") ? absolute(remoteDir) : posix.join(absolute(remoteDir), path.basename(localDir));
    const status = await this.run({ command: `mkdir -p '${target.replaceAll("'", `'\\''`)}'` });
    if (status !== 0) throw new Error(`could not create ${target} in the container (mkdir exited with ${status})`);
    const entries = await readdir(localDir);
    if (entries.length > 0) await this.putArchive(target, path.resolve(localDir), entries);
    await this.fixOwner(target);
  }

  async download(remotePath: string, sink: Writable): Promise<void> {
    const archive = await this.getArchive(absolute(remotePath));
    let found = false;
    const parser = new tar.Parser({
      onReadEntry: (entry) => {
        if (!found && entry.type === "File") {
          found = true;
          entry.pipe(sink);
        } else entry.resume();
      },
    });
    await pipeline(archive, parser);
    if (!found) throw new Error(`${remotePath} in the container is not a file`);
  }

  async downloadDir(remoteDir: string, localDir: string): Promise<void> {
    const source = absolute(remoteDir);
    const target = remoteDir.endsWith("/") ? localDir : path.join(localDir, posix.basename(source));
    await mkdir(target, { recursive: true });
    const archive = await this.getArchive(source);
    // The archive's top entry is the folder itself: strip it to land its contents in `target`.
    await pipeline(archive, tar.x({ cwd: target, strip: 1 }));
  }

  async close(): Promise<void> {
    // Nothing to close: every call is its own HTTP request to the engine.
  }

  private async putArchive(remoteDir: string, localDir: string, entries: string[]): Promise<void> {
    const archive = tar.c({ cwd: localDir, portable: true }, entries) as unknown as NodeJS.ReadableStream;
    try {
      await this.container.putArchive(archive, { path: remoteDir });
    } catch (e) {
      if (statusOf(e) === 404) throw new MissingDirectoryError(remoteDir);
      throw e;
    }
  }

  private async getArchive(remotePath: string): Promise<NodeJS.ReadableStream> {
    try {
      return await this.container.getArchive({ path: remotePath });
    } catch (e) {
      if (statusOf(e) === 404) throw new Error(`cannot download ${remotePath} from the container: no such file or directory`);
      throw e;
    }
  }

  private async fixOwner(remotePath: string): Promise<void> {
    if (!this.options.fixUploadOwner || !this.options.execUser) return;
    const quoted = `'${remotePath.replaceAll("'", `'\\''`)}'`;
    const exec = await this.container.exec({ Cmd: ["chown", "-R", this.options.execUser, remotePath], AttachStdout: true, AttachStderr: true, User: "root" });
    const stream = await exec.start({ hijack: true, stdin: false });
    stream.resume();
    await new Promise((resolve) => stream.once("end", resolve));
    const { ExitCode } = await exec.inspect();
    if (ExitCode !== 0) throw new Error(`could not give ${quoted} to ${this.options.execUser} (chown exited with ${ExitCode}); set fix_upload_owner to false to skip it`);
  }
}

class MissingDirectoryError extends Error {
  constructor(remoteDir: string) {
    super(`cannot upload to ${remoteDir} in the container: the directory does not exist (create it first, e.g. with a shell provisioner)`);
    this.name = "MissingDirectoryError";
  }
}

function absolute(remotePath: string): string {
  return posix.resolve("/", remotePath);
}

function statusOf(e: unknown): number | undefined {
  return typeof e === "object" && e !== null && "statusCode" in e && typeof e.statusCode === "number" ? e.statusCode : undefined;
}

/** A sink that hands decoded text to `on` (multi-byte characters split across chunks stay whole). */
function decodedSink(on?: (chunk: string) => void): PassThrough {
  const decoder = new StringDecoder("utf8");
  const sink = new PassThrough();
  sink.on("data", (b: Buffer) => {
    const text = decoder.write(b);
    if (text && on) on(text);
  });
  sink.on("end", () => {
    const rest = decoder.end();
    if (rest && on) on(rest);
  });
  return sink;
}
