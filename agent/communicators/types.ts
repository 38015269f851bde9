import type { Readable, Writable } from "node:stream";

export interface RemoteCommand {
  command: string;
  stdin?: Readable;
  /** Output arrives as it comes, in chunks (not necessarily whole lines). */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
}

/** The connection closed while a command ran (a reboot, `expect_disconnect`). */
export class DisconnectedError extends Error {
  constructor(message = "remote end disconnected while the command was running") {
    super(message);
    this.name = "DisconnectedError";
  }
}

/**
 * How provisioners reach the machine being built (ssh, docker exec, none). Mirrors Packer's
 * packersdk.Communicator so that provisioners are written once for every builder.
 */
export interface Communicator {
  /** Runs a command and resolves with its exit status; rejects with DisconnectedError if the link drops. */
  run(cmd: RemoteCommand, signal?: AbortSignal): Promise<number>;
  upload(remotePath: string, content: Readable | Buffer, options?: { mode?: number }): Promise<void>;
  /** Copies a local directory. Like Packer/rsync: "src/" copies the contents, "src" the folder itself. */
  uploadDir(remoteDir: string, localDir: string): Promise<void>;
  download(remotePath: string, sink: Writable): Promise<void>;
  downloadDir(remoteDir: string, localDir: string): Promise<void>;
  close(): Promise<void>;
  /**
   * File metadata through the communicator's own file protocol, for communicators that have one
   * (SSH's SFTP): a request on an open session instead of a shell command per question. Those
   * without it leave these out; callers then ask the guest's shell.
   */
  files?: RemoteFileOps;
}

export interface RemoteFileAttributes {
  /** st_mode, file type bits included. */
  mode: number;
  size: number;
  uid: number;
  gid: number;
  atime: number;
  mtime: number;
}

export interface RemoteFileOps {
  /** undefined when there is no such file. */
  stat(path: string, followLinks: boolean): Promise<RemoteFileAttributes | undefined>;
  /** The canonical path; rejects when the guest cannot resolve it (a missing file, say). */
  realpath(path: string): Promise<string>;
  chmod(path: string, mode: number): Promise<void>;
}
