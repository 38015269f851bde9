/**
 * runProcessGroup with both ways of starting a process: glibc's posix_spawn (the default where
 * the host has it) and Node's fork-based spawn. Each behaviour a caller relies on is checked for
 * both, so the fast path cannot drift from what Node's spawn gives.
 */
import test from "ava";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runProcessGroup, SpawnError, type ProcessGroupOptions, type ProcessGroupResult } from "../../../agent/local-shell/process-group.js";
import { posixSpawnAvailable } from "../../../agent/local-shell/posix-spawn.js";
import { tempDir } from "../../fixtures/temp-dir.js";

const starters = ["posix_spawn", "node"] as const;
type Starter = (typeof starters)[number];

interface Ran extends ProcessGroupResult {
  stdout: string[];
  stderr: string[];
}

async function run(starter: Starter, argv: string[], options: Partial<ProcessGroupOptions> = {}): Promise<Ran> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const result = await runProcessGroup(argv, {
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? process.env,
    signal: options.signal ?? AbortSignal.timeout(30_000),
    onStdoutLine: (l) => stdout.push(l),
    onStderrLine: (l) => stderr.push(l),
    starter,
    ...options,
  });
  return { ...result, stdout, stderr };
}

/** Fields of /proc/PID/stat after the command name: [state, ppid, pgrp, session, …]. */
function statFields(line: string): string[] {
  return line.slice(line.lastIndexOf(")") + 2).split(" ");
}

/**
 * This process's descriptors without close-on-exec, which any child inherits (AVA's worker holds
 * a few): the child may have those beyond 0, 1 and 2, and nothing else.
 */
function inheritableDescriptors(): string[] {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      const flags = /^flags:\s+([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))?.[1];
      return flags !== undefined && (parseInt(flags, 8) & 0o2000000) === 0;
    } catch {
      return false; // the descriptor readdir itself used, closed by now
    }
  });
}

/** Running or sleeping: not gone and not a zombie (an orphan's zombie waits for whoever is PID 1 here). */
function alive(pid: string | undefined): boolean {
  try {
    return statFields(readFileSync(`/proc/${pid}/stat`, "utf8"))[0] !== "Z";
  } catch {
    return false;
  }
}

test("this host starts processes with posix_spawn", (t) => {
  if (process.platform !== "linux") return t.pass("posix_spawn is used on Linux only");
  t.true(posixSpawnAvailable(), "koffi and glibc's posix_spawn should load on Linux");
});

for (const starter of starters) {
  test(`${starter}: output arrives line by line on the right stream, with the exit code`, async (t) => {
    const r = await run(starter, ["/bin/sh", "-c", "echo one; echo two >&2; printf 'three\\nfour'; exit 3"]);
    t.deepEqual(r.stdout, ["one", "three", "four"]);
    t.deepEqual(r.stderr, ["two"]);
    t.is(r.exitCode, 3);
    t.false(r.cancelled);
  });

  test(`${starter}: a process ended by a signal reports -1`, async (t) => {
    const r = await run(starter, ["/bin/sh", "-c", "kill -KILL $$"]);
    t.is(r.exitCode, -1);
  });

  test(`${starter}: the working folder and the environment are the ones given, not the agent's`, async (t) => {
    const dir = await tempDir();
    const r = await run(starter, ["/bin/sh", "-c", 'pwd; echo "$ONLY_HERE"; echo "${HOME:-no home}"'], { cwd: dir, env: { PATH: "/usr/bin:/bin", ONLY_HERE: "yes" } });
    t.deepEqual(r.stdout, [dir, "yes", "no home"]);
  });

  test(`${starter}: a program without a slash is looked up on the given PATH`, async (t) => {
    const dir = await tempDir();
    await writeFile(join(dir, "kiln-hello"), "#!/bin/sh\necho hello from $0\n", { mode: 0o755 });
    const r = await run(starter, ["kiln-hello"], { env: { PATH: `/nonexistent:${dir}:/usr/bin:/bin` } });
    t.deepEqual(r.stdout, [`hello from ${join(dir, "kiln-hello")}`]);
  });

  test(`${starter}: a missing or non-executable program is a SpawnError naming it and why`, async (t) => {
    const missing = await t.throwsAsync(run(starter, ["kiln-no-such-program"], { env: { PATH: "/usr/bin:/bin" } }), { instanceOf: SpawnError });
    t.is(missing?.message, "cannot start kiln-no-such-program: spawn kiln-no-such-program ENOENT");
    const dir = await tempDir();
    const notExecutable = join(dir, "script.sh");
    await writeFile(notExecutable, "#!/bin/sh\necho hi\n");
    await chmod(notExecutable, 0o644);
    const refused = await t.throwsAsync(run(starter, [notExecutable]), { instanceOf: SpawnError });
    t.is(refused?.message, `cannot start ${notExecutable}: spawn ${notExecutable} EACCES`);
  });

  test(`${starter}: the child leads a session of its own, with stdin from /dev/null, default signals, nothing blocked and no inherited descriptors`, async (t) => {
    // The shell prints its pid and becomes a sleep, which this test reads from outside: read from
    // inside, the shell's own state shows (dash blocks every signal while it waits for a command,
    // and a listing of its descriptors shows the listing's own).
    const abort = new AbortController();
    let seen: { stat: string; status: string; stdin: string; fds: string[] } | undefined;
    const r = await run(starter, ["/bin/sh", "-c", "echo $$; exec sleep 30"], {
      signal: abort.signal,
      killGraceMs: 500,
      onStdoutLine: (pid) => {
        const look = (): void => {
          if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "sleep") return void setTimeout(look, 10);
          seen = {
            stat: readFileSync(`/proc/${pid}/stat`, "utf8"),
            status: readFileSync(`/proc/${pid}/status`, "utf8"),
            stdin: readlinkSync(`/proc/${pid}/fd/0`),
            fds: readdirSync(`/proc/${pid}/fd`),
          };
          abort.abort();
        };
        look();
      },
    });
    t.true(r.cancelled);
    if (!seen) return t.fail("the sleep was never seen");
    const pid = /^Pid:\s+(\d+)/m.exec(seen.status)?.[1] ?? "no Pid line";
    const [, , pgrp, session] = statFields(seen.stat);
    t.is(pgrp, pid, "its own process group");
    t.is(session, pid, "its own session");
    t.is(seen.stdin, "/dev/null");
    // Node ignores SIGPIPE; a child that inherited that would not stop when its reader goes.
    t.is(/^SigBlk:\s+(\w+)/m.exec(seen.status)?.[1], "0000000000000000", "no signal blocked");
    t.is(/^SigIgn:\s+(\w+)/m.exec(seen.status)?.[1], "0000000000000000", "no signal ignored");
    const inheritable = new Set(inheritableDescriptors());
    const extra = seen.fds.filter((fd) => !["0", "1", "2"].includes(fd) && !inheritable.has(fd));
    t.deepEqual(extra, [], "no descriptor beyond stdio and what this process lets every child inherit");
  });

  test(`${starter}: a child that closes its output first is still waited for`, async (t) => {
    const r = await run(starter, ["/bin/sh", "-c", "echo before; exec >/dev/null 2>&1; sleep 0.3; exit 4"]);
    t.deepEqual(r.stdout, ["before"]);
    t.is(r.exitCode, 4);
  });

  test(`${starter}: fifty at once each get their own exit code, and none is left a zombie`, async (t) => {
    const runs = await Promise.all(Array.from({ length: 50 }, (_, i) => run(starter, ["/bin/sh", "-c", `echo $$; exit ${i}`])));
    t.deepEqual(
      runs.map((r) => r.exitCode),
      Array.from({ length: 50 }, (_, i) => i),
    );
    for (const r of runs) t.false(existsSync(`/proc/${r.stdout[0]}`), `process ${r.stdout[0]} was reaped`);
  });

  test(`${starter}: cancelling stops the whole group, the script's own children too`, async (t) => {
    const abort = new AbortController();
    const lines: string[] = [];
    const running = runProcessGroup(["/bin/sh", "-c", "sleep 60 & echo $!; echo ready; sleep 60"], {
      cwd: process.cwd(),
      env: process.env,
      signal: abort.signal,
      starter,
      killGraceMs: 500,
      onStdoutLine: (l) => {
        lines.push(l);
        if (l === "ready") abort.abort();
      },
      onStderrLine: () => undefined,
    });
    const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the cancelled group did not end within 20 s")), 20_000).unref());
    const r = await Promise.race([running, deadline]);
    t.true(r.cancelled);
    t.false(alive(lines[0]), "the backgrounded sleep was stopped too");
  });
}
