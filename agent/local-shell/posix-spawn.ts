/**
 * Starts a program with glibc's posix_spawn instead of Node's child_process.spawn.
 *
 * Why: Node 20's libuv (1.46) starts a child with fork() on Linux. The kernel copies the page
 * tables of the agent's whole heap and write-protects every page; the child's exec then tears the
 * copy down, and the agent takes a fault on each page it writes next. Measured in bench/farm's
 * scale-out phase (20 agents, ~70 MB of heap each): ~8 ms of the agent's CPU inside spawn(),
 * ~15 ms more in the child before its exec, and the agent's event loop blocked 60–95 ms per
 * shell-local on a busy machine. glibc's posix_spawn uses clone(CLONE_VM|CLONE_VFORK): nothing is
 * copied, ~1.3 ms whatever the agent's size. libuv takes the same path on Linux after 1.52.1
 * (libuv/libuv#3520); once Node ships that, this module can go.
 *
 * The child is what spawn(program, args, { cwd, env, detached: true, stdio: ["ignore", "pipe",
 * "pipe"] }) makes: stdin from /dev/null, stdout and stderr through pipes, a session of its own
 * (its pid is its process group's id), every signal at its default disposition and none blocked
 * (Node ignores SIGPIPE: a child must not inherit that), the program looked up on `env`'s PATH.
 * It is an EventEmitter with the ChildProcess events its caller uses: "exit", "close", "error".
 * Where glibc or koffi is missing, `posixSpawnAvailable()` says so and callers use Node's spawn.
 */
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { Socket } from "node:net";
import { constants } from "node:os";
import { delimiter, join } from "node:path";
import { PassThrough, type Readable } from "node:stream";

export interface PosixSpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** The part of a ChildProcess that runProcessGroup uses. */
export interface SpawnedChild extends EventEmitter {
  /** Undefined when the program could not be started (an "error" event follows). */
  readonly pid?: number | undefined;
  readonly stdout: Readable;
  readonly stderr: Readable;
}

type Fn = (...args: unknown[]) => number;
interface Libc {
  posix_spawn: Fn;
  fileActionsInit: Fn;
  fileActionsDestroy: Fn;
  fileActionsAddDup2: Fn;
  fileActionsAddOpen: Fn;
  fileActionsAddChdir: Fn;
  attrInit: Fn;
  attrDestroy: Fn;
  attrSetFlags: Fn;
  attrSetSigDefault: Fn;
  attrSetSigMask: Fn;
  sigemptyset: Fn;
  pipe2: Fn;
  close: Fn;
  waitpid: Fn;
  /** The calling thread's errno after the last call that failed. */
  errno: () => number;
}

// glibc's values (spawn.h, fcntl.h, wait.h), the same on every architecture Node runs on Linux.
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
const O_CLOEXEC = 0o2000000;
const O_RDONLY = 0;
const WNOHANG = 1;
/** Larger than glibc's posix_spawn_file_actions_t (80 bytes), posix_spawnattr_t (336) and sigset_t (128). */
const OPAQUE_BYTES = 1024;
/** libuv's default when the child's environment has no PATH (_PATH_DEFPATH). */
const DEFAULT_PATH = "/usr/bin:/bin";

let libc: Libc | null | undefined;

function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== "linux") return libc;
  try {
    // Loaded on first use and caught: a host where koffi or glibc cannot load still runs shell-local.
    const koffi = createRequire(import.meta.url)("koffi") as typeof import("koffi");
    const lib = koffi.load("libc.so.6");
    const fn = (decl: string): Fn => lib.func(decl) as unknown as Fn;
    libc = {
      posix_spawn: fn("int posix_spawn(_Out_ int *pid, const char *path, void *actions, void *attr, const char **argv, const char **envp)"),
      fileActionsInit: fn("int posix_spawn_file_actions_init(void *actions)"),
      fileActionsDestroy: fn("int posix_spawn_file_actions_destroy(void *actions)"),
      fileActionsAddDup2: fn("int posix_spawn_file_actions_adddup2(void *actions, int fd, int newfd)"),
      fileActionsAddOpen: fn("int posix_spawn_file_actions_addopen(void *actions, int fd, const char *path, int oflag, int mode)"),
      // glibc 2.29 and later.
      fileActionsAddChdir: fn("int posix_spawn_file_actions_addchdir_np(void *actions, const char *path)"),
      attrInit: fn("int posix_spawnattr_init(void *attr)"),
      attrDestroy: fn("int posix_spawnattr_destroy(void *attr)"),
      attrSetFlags: fn("int posix_spawnattr_setflags(void *attr, short flags)"),
      attrSetSigDefault: fn("int posix_spawnattr_setsigdefault(void *attr, void *set)"),
      attrSetSigMask: fn("int posix_spawnattr_setsigmask(void *attr, void *set)"),
      sigemptyset: fn("int sigemptyset(void *set)"),
      pipe2: fn("int pipe2(_Out_ int *fds, int flags)"),
      close: fn("int close(int fd)"),
      waitpid: fn("int waitpid(int pid, _Out_ int *status, int options)"),
      errno: () => koffi.errno(),
    };
  } catch {
    libc = null;
  }
  return libc;
}

/** Whether posixSpawn can be used on this host (Linux with glibc 2.29+ and koffi). */
export function posixSpawnAvailable(): boolean {
  return loadLibc() !== null;
}

/** Starts `program` as described at the top of this file. Throws only if posixSpawnAvailable() is false. */
export function posixSpawn(program: string, args: readonly string[], options: PosixSpawnOptions): SpawnedChild {
  const lib = loadLibc();
  if (lib === null) throw new Error("posix_spawn is not available on this host");
  const env = Object.entries(options.env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
  const argv = [program, ...args];

  const stdoutFds = new Int32Array(2);
  const stderrFds = new Int32Array(2);
  if (lib.pipe2(stdoutFds, O_CLOEXEC) !== 0) return failed(program, errnoName(lib.errno()));
  if (lib.pipe2(stderrFds, O_CLOEXEC) !== 0) {
    const errno = lib.errno();
    closeAll(lib, stdoutFds);
    return failed(program, errnoName(errno));
  }
  const actions = Buffer.alloc(OPAQUE_BYTES);
  const attr = Buffer.alloc(OPAQUE_BYTES);
  const allSignals = Buffer.alloc(OPAQUE_BYTES);
  const noSignals = Buffer.alloc(OPAQUE_BYTES);
  lib.fileActionsInit(actions);
  lib.attrInit(attr);
  let pid = 0;
  let errno = 0;
  try {
    lib.fileActionsAddOpen(actions, 0, "/dev/null", O_RDONLY, 0);
    lib.fileActionsAddDup2(actions, stdoutFds[1], 1);
    lib.fileActionsAddDup2(actions, stderrFds[1], 2);
    lib.fileActionsAddChdir(actions, options.cwd);
    // Every bit set, not sigfillset(): glibc leaves its two internal signals (32 and 33) out of a
    // filled set, and its posix_spawn then starts the child with them ignored, which exec keeps.
    allSignals.fill(0xff);
    lib.sigemptyset(noSignals);
    lib.attrSetFlags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID);
    lib.attrSetSigDefault(attr, allSignals);
    lib.attrSetSigMask(attr, noSignals);
    // execvp's search, on the child's PATH as libuv does: a candidate that is missing or not
    // executable passes to the next; EACCES is reported if nothing else was found.
    for (const path of candidates(program, options.env)) {
      const out = [0];
      const rc = lib.posix_spawn(out, path, actions, attr, [...argv, null], [...env, null]);
      if (rc === 0) {
        pid = out[0] ?? 0;
        errno = 0;
        break;
      }
      if (errno !== constants.errno.EACCES) errno = rc;
      if (rc !== constants.errno.ENOENT && rc !== constants.errno.EACCES && rc !== constants.errno.ENOTDIR) break;
    }
  } finally {
    lib.fileActionsDestroy(actions);
    lib.attrDestroy(attr);
    // The child has its own copies of the write ends (or there is no child).
    closeAll(lib, [stdoutFds[1]!, stderrFds[1]!]);
  }
  if (pid === 0) {
    closeAll(lib, [stdoutFds[0]!, stderrFds[0]!]);
    return failed(program, errnoName(errno || constants.errno.ENOENT));
  }
  return new PosixChild(lib, pid, stdoutFds[0]!, stderrFds[0]!);
}

function* candidates(program: string, env: NodeJS.ProcessEnv): Generator<string> {
  if (program.includes("/")) {
    yield program;
    return;
  }
  // An empty entry is the current folder, as for execvp.
  for (const dir of (env.PATH ?? DEFAULT_PATH).split(delimiter)) yield join(dir || ".", program);
}

function closeAll(lib: Libc, fds: Iterable<number>): void {
  for (const fd of fds) lib.close(fd);
}

function errnoName(errno: number): string {
  return Object.entries(constants.errno).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
}

/** A child that never started: Node's words ("spawn PROGRAM ENOENT"), as an "error" event on the next tick. */
function failed(program: string, code: string): SpawnedChild {
  const error = Object.assign(new Error(`spawn ${program} ${code}`), { code, syscall: `spawn ${program}`, path: program });
  return new NeverStartedChild(error);
}

/** What Node's ChildProcess is when its spawn failed: no pid, empty output, one "error" event. */
class NeverStartedChild extends EventEmitter implements SpawnedChild {
  readonly pid = undefined;
  readonly stdout: Readable = new PassThrough().end();
  readonly stderr: Readable = new PassThrough().end();

  constructor(error: Error) {
    super();
    process.nextTick(() => this.emit("error", error));
  }
}

/** A running child: its output pipes as sockets, "exit" and "close" from the reaper. */
class PosixChild extends EventEmitter implements SpawnedChild {
  readonly stdout: Readable;
  readonly stderr: Readable;

  constructor(lib: Libc, readonly pid: number, stdoutFd: number, stderrFd: number) {
    super();
    const stdout = new Socket({ fd: stdoutFd, readable: true, writable: false });
    const stderr = new Socket({ fd: stderrFd, readable: true, writable: false });
    this.stdout = stdout;
    this.stderr = stderr;
    // "close" after the exit and both pipes, as a ChildProcess does: every line has been read by then.
    let waiting = 3;
    let ended: ChildExit = { code: null, signal: null };
    const oneDone = (): void => {
      if (--waiting === 0) this.emit("close", ended.code, ended.signal);
    };
    for (const pipe of [stdout, stderr]) {
      // A read error ends that pipe; the child's exit still comes.
      pipe.on("error", () => pipe.destroy());
      pipe.once("close", oneDone);
    }
    reaper.watch(lib, pid, (exit) => {
      ended = exit;
      this.emit("exit", exit.code, exit.signal);
      oneDone();
    });
  }
}

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Collects the exit status of posix_spawn's children. libuv reaps only the children it started
 * (waitpid on each of their pids, never -1), so these are ours to wait for: on every SIGCHLD, and
 * once a second while any is running. The timer also keeps Node's event loop alive while a child
 * that closed its output still runs; the signal listener alone would not.
 */
const reaper = {
  running: new Map<number, { lib: Libc; done: (exit: ChildExit) => void }>(),
  timer: undefined as NodeJS.Timeout | undefined,
  onSignal: (): void => reaper.reap(),

  watch(lib: Libc, pid: number, done: (exit: ChildExit) => void): void {
    this.running.set(pid, { lib, done });
    if (this.timer === undefined) {
      process.on("SIGCHLD", this.onSignal);
      this.timer = setInterval(() => this.reap(), 1000);
    }
    // It may have ended already, its SIGCHLD handled before it was listed. Not now: the caller
    // has not heard of the child yet and would miss its "exit".
    process.nextTick(() => this.reap());
  },

  reap(): void {
    for (const [pid, { lib, done }] of this.running) {
      const status = new Int32Array(1);
      const rc = lib.waitpid(pid, status, WNOHANG);
      if (rc === 0) continue;
      this.running.delete(pid);
      // -1 (ECHILD): someone else reaped it; its status is lost (runProcessGroup reports -1).
      done(rc === pid ? decodeWaitStatus(status[0]!) : { code: null, signal: null });
    }
    if (this.running.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
      process.off("SIGCHLD", this.onSignal);
    }
  },
};

/** WIFEXITED/WEXITSTATUS and WIFSIGNALED/WTERMSIG of a waitpid status. */
function decodeWaitStatus(status: number): ChildExit {
  const signal = status & 0x7f;
  if (signal === 0) return { code: (status >> 8) & 0xff, signal: null };
  const name = Object.entries(constants.signals).find(([, n]) => n === signal)?.[0] as NodeJS.Signals | undefined;
  return { code: null, signal: name ?? null };
}
