/**
 * An SFTP server (ssh2's server side of the protocol) whose files are the guest's, reached through
 * the build's communicator: what ansible's `sftp`, and OpenSSH 9's `scp` (which speaks SFTP), need
 * to put modules on the guest and fetch files back. Files are staged whole in memory between OPEN
 * and CLOSE (Ansible moves modules and templates, not disk images). Requests it does not serve get
 * OP_UNSUPPORTED, which OpenSSH's clients handle.
 */
import { errorMessage } from "../../../../shared/error-message.js";
import ssh2 from "ssh2";
import type { SFTPWrapper } from "ssh2";
import { shellQuote } from "../../../communicators/shell-quote.js";
import { RemoteFiles, type RemoteStat } from "./remote-files.js";

const { STATUS_CODE, OPEN_MODE } = ssh2.utils.sftp;

interface OpenFile {
  path: string;
  writing: boolean;
  /** Writes land here, reads come from here. */
  data: Buffer;
  length: number;
  mode?: number;
}

/** ssh2's SFTP stream internals (lib/protocol/SFTP.js): the channel id and the protocol. */
interface SftpInternals {
  outgoing: { id: number; state: string };
  _protocol: { exitStatus(channel: number, status: number): void };
}

function attrsOf(s: RemoteStat): ssh2.Attributes {
  return { mode: s.mode, size: s.size, uid: s.uid, gid: s.gid, atime: s.atime, mtime: s.mtime };
}

export function serveSftp(sftp: SFTPWrapper, files: RemoteFiles, log: (text: string) => void): void {
  const handles = new Map<number, OpenFile>();
  let nextHandle = 1;
  const handleOf = (buf: Buffer): OpenFile | undefined => (buf.length === 4 ? handles.get(buf.readUInt32BE(0)) : undefined);
  const fail = (reqid: number, e: unknown): void => {
    log(`sftp: ${errorMessage(e)}`);
    sftp.status(reqid, STATUS_CODE.FAILURE, errorMessage(e));
  };
  // The client's EOF ends the session: answer with our close, or OpenSSH's ssh (and the scp or
  // sftp above it) waits for it forever. Requests still running finish into a closed channel.
  // The exit status first, as sshd sends its sftp-server's: OpenSSH 9's scp fails a transfer
  // whose ssh ended without one. ssh2's SFTP stream has no exit(); its protocol object does.
  sftp.on("end", () => {
    const inner = sftp as unknown as SftpInternals;
    if (inner.outgoing.state === "open") inner._protocol.exitStatus(inner.outgoing.id, 0);
    sftp.end();
  });
  const run = (reqid: number, work: () => Promise<void>): void => void work().catch((e: unknown) => fail(reqid, e));

  sftp.on("REALPATH", (reqid, path) =>
    run(reqid, async () => {
      const real = await files.realpath(path === "" ? "." : path);
      sftp.name(reqid, [{ filename: real, longname: real, attrs: {} as ssh2.Attributes }]);
    }),
  );
  const statRequest = (follow: boolean) => (reqid: number, path: string) =>
    run(reqid, async () => {
      const s = await files.stat(path, follow);
      if (!s) return void sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
      sftp.attrs(reqid, attrsOf(s));
    });
  sftp.on("STAT", statRequest(true));
  sftp.on("LSTAT", statRequest(false));
  sftp.on("OPEN", (reqid, path, flags, attrs) =>
    run(reqid, async () => {
      const writing = (flags & OPEN_MODE.WRITE) !== 0;
      let data: Buffer = Buffer.alloc(0);
      if (!writing) {
        if (!(await files.stat(path))) return void sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
        data = await files.read(path);
      } else if ((flags & OPEN_MODE.TRUNC) === 0 && (flags & OPEN_MODE.APPEND) !== 0 && (await files.stat(path))) {
        data = await files.read(path);
      }
      const id = nextHandle++;
      handles.set(id, { path, writing, data, length: data.length, mode: attrs?.mode });
      const handle = Buffer.alloc(4);
      handle.writeUInt32BE(id, 0);
      sftp.handle(reqid, handle);
    }),
  );
  sftp.on("WRITE", (reqid, handle, offset, data) => {
    const f = handleOf(handle);
    if (!f || !f.writing) return void sftp.status(reqid, STATUS_CODE.FAILURE, "not open for writing");
    const end = offset + data.length;
    if (end > f.data.length) {
      const grown = Buffer.alloc(Math.max(end, f.data.length * 2));
      f.data.copy(grown, 0, 0, f.length);
      f.data = grown;
    }
    data.copy(f.data, offset);
    f.length = Math.max(f.length, end);
    sftp.status(reqid, STATUS_CODE.OK);
  });
  sftp.on("READ", (reqid, handle, offset, length) => {
    const f = handleOf(handle);
    if (!f) return void sftp.status(reqid, STATUS_CODE.FAILURE, "bad handle");
    if (offset >= f.length) return void sftp.status(reqid, STATUS_CODE.EOF);
    sftp.data(reqid, f.data.subarray(offset, Math.min(f.length, offset + length)));
  });
  sftp.on("FSTAT", (reqid, handle) => {
    const f = handleOf(handle);
    if (!f) return void sftp.status(reqid, STATUS_CODE.FAILURE, "bad handle");
    sftp.attrs(reqid, { mode: 0o100000 | (f.mode ?? 0o644), size: f.length, uid: 0, gid: 0, atime: 0, mtime: 0 });
  });
  sftp.on("FSETSTAT", (reqid, handle, attrs) => {
    const f = handleOf(handle);
    if (f && attrs.mode !== undefined) f.mode = attrs.mode & 0o7777;
    sftp.status(reqid, STATUS_CODE.OK);
  });
  sftp.on("SETSTAT", (reqid, path, attrs) =>
    run(reqid, async () => {
      if (attrs.mode !== undefined) await files.chmod(path, attrs.mode & 0o7777);
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );
  sftp.on("CLOSE", (reqid, handle) =>
    run(reqid, async () => {
      const f = handleOf(handle);
      if (!f) return void sftp.status(reqid, STATUS_CODE.FAILURE, "bad handle");
      handles.delete(handle.readUInt32BE(0));
      if (f.writing) await files.write(f.path, f.data.subarray(0, f.length), f.mode === undefined ? undefined : f.mode & 0o7777);
      sftp.status(reqid, STATUS_CODE.OK);
    }),
  );
  const shellOp = (command: (a: string, b?: string) => string) => (reqid: number, a: string, b?: unknown) =>
    run(reqid, async () => {
      const ok = await files.ok(command(a, typeof b === "string" ? b : undefined));
      sftp.status(reqid, ok ? STATUS_CODE.OK : STATUS_CODE.FAILURE);
    });
  sftp.on("MKDIR", shellOp((p) => `mkdir -- ${shellQuote(p)}`));
  sftp.on("RMDIR", shellOp((p) => `rmdir -- ${shellQuote(p)}`));
  sftp.on("REMOVE", shellOp((p) => `rm -f -- ${shellQuote(p)}`));
  sftp.on("RENAME", shellOp((a, b) => `mv -f -- ${shellQuote(a)} ${shellQuote(b ?? "")}`));
  sftp.on("OPENDIR", (reqid) => sftp.status(reqid, STATUS_CODE.OP_UNSUPPORTED, "directory listings are not relayed"));
  sftp.on("READLINK", (reqid) => sftp.status(reqid, STATUS_CODE.OP_UNSUPPORTED));
  sftp.on("SYMLINK", (reqid) => sftp.status(reqid, STATUS_CODE.OP_UNSUPPORTED));
}
