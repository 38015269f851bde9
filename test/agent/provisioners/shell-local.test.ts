import test from "ava";
import { execFile } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { plugin } from "../../../agent/provisioners/shell-local/index.js";
import { flattenEnvVars } from "../../../agent/local-shell/env-vars.js";
import { ConfigErrors } from "../../../shared/components/problems.js";
import type { Config } from "../../../shared/components/provisioners/shell-local.js";
import { schema as postProcessorSchema } from "../../../shared/components/post-processors/shell-local.js";
import { interpolationEngineReady, prepareContext, recordingContext, tempDir } from "../fixtures/recording-run-context.js";

const run = promisify(execFile);
const engineTest = interpolationEngineReady ? test : test.skip;
const build = { name: "test-build", type: "null" };

function prepare(workDir: string, config: Record<string, unknown>): Config {
  return plugin.schema.prepare({ type: "shell-local", config }, prepareContext(workDir, build, {}));
}

function problems(workDir: string, config: Record<string, unknown>): string[] {
  try {
    prepare(workDir, config);
  } catch (e) {
    if (e instanceof ConfigErrors) return e.problems.map((p) => p.message);
    throw e;
  }
  return [];
}

async function script(dir: string, name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
}

test("an empty configuration is refused with Packer's message", async (t) => {
  const dir = await tempDir();
  t.deepEqual(problems(dir, {}), ["Command, Inline, Script and Scripts options cannot all be empty."]);
});

test("only one of command, inline, script and scripts may be given; scripts must exist", async (t) => {
  const dir = await tempDir();
  await script(dir, "a.sh", "true");
  const tooMany =
    "You may only specify one of the following options: Command, Inline, Script or Scripts. Please consolidate these options in your config.";
  t.true(problems(dir, { inline: ["true"], script: "a.sh" }).includes(tooMany));
  t.true(problems(dir, { command: "true", scripts: ["a.sh"] }).includes(tooMany));
  t.deepEqual(problems(dir, { scripts: ["a.sh", "nope.sh"] }), ["Bad script 'nope.sh': stat nope.sh: no such file or directory"]);
});

test("environment_vars, only_on and unknown keys are checked", async (t) => {
  const dir = await tempDir();
  t.deepEqual(problems(dir, { inline: ["true"], environment_vars: ["=x", "NOEQUALS", "OK=1"] }), [
    "Environment variable not in format 'key=value': =x",
    "Environment variable not in format 'key=value': NOEQUALS",
  ]);
  t.deepEqual(problems(dir, { inline: ["true"], only_on: ["plan9"] }), [
    "Invalid OS specified in only_on: 'plan9'\nSupported OS names: darwin, freebsd, linux, openbsd, solaris, windows",
  ]);
  t.deepEqual(problems(dir, { inline: ["true"], bogus: 1 }), [`unknown configuration key: '"bogus"'`]);
});

test("defaults follow Packer on POSIX hosts; command becomes inline; the post-processor wraps a one-string execute_command", async (t) => {
  const dir = await tempDir();
  const c = prepare(dir, { command: "echo hi", tempfile_extension: ".sh", valid_exit_codes: ["0", 2] });
  t.deepEqual(c.executeCommand, ["/bin/sh", "-c", "{{.Vars}} {{.Script}}"]);
  t.is(c.inlineShebang, "/bin/sh -e");
  t.deepEqual(c.inline, ["echo hi"]);
  t.is(c.tempfileExtension, "sh");
  t.deepEqual(c.validExitCodes, [0, 2]);
  t.is(c.envVarFormat, "%s='%s' ");
  const pp = postProcessorSchema.prepare(
    { type: "shell-local", config: { inline: ["true"], execute_command: "{{.Vars}} {{.Script}}" } },
    prepareContext(dir, build, {}),
  );
  t.deepEqual(pp.executeCommand, ["sh", "-c", "{{.Vars}} {{.Script}}"]);
});

test("a script's stdout and stderr reach the UI line by line, in the working directory, with PACKER_RUN_UUID", async (t) => {
  const dir = await tempDir();
  const s = await script(dir, "out.sh", 'echo "one"; echo "two" >&2; printf "progress 10%%\\rprogress 100%%   \\n"; pwd; printf "$PACKER_RUN_UUID"');
  const { ctx, texts } = recordingContext(dir, { build });
  await plugin.provision(ctx, prepare(dir, { script: "out.sh", execute_command: ["/bin/sh", s] }));
  t.deepEqual(texts("say"), ["Running local shell script: out.sh"]);
  t.deepEqual(texts("message"), ["one", "progress 100%", dir, ctx.generated.PackerRunUUID]);
  t.deepEqual(texts("error"), ["two"]);
});

test("an exit code outside valid_exit_codes fails with Packer's message; an allowed one passes", async (t) => {
  const dir = await tempDir();
  const s = await script(dir, "exit3.sh", "exit 3");
  const { ctx } = recordingContext(dir, { build });
  const err = await t.throwsAsync(plugin.provision(ctx, prepare(dir, { script: "exit3.sh", execute_command: ["/bin/sh", s] })));
  t.is(err?.message, "Script exited with non-zero exit status: 3.Allowed exit codes are: [0]");
  await t.notThrowsAsync(plugin.provision(ctx, prepare(dir, { script: "exit3.sh", execute_command: ["/bin/sh", s], valid_exit_codes: [0, 3] })));
});

test("a program that cannot start fails with the script named", async (t) => {
  const dir = await tempDir();
  await script(dir, "a.sh", "true");
  const { ctx } = recordingContext(dir, { build });
  const err = await t.throwsAsync(plugin.provision(ctx, prepare(dir, { script: "a.sh", execute_command: ["/no/such/shell"] })));
  t.regex(err?.message ?? "", /^Error executing script: .*\/a\.sh\n\ncannot start \/no\/such\/shell: .*ENOENT/);
});

test("only_on for another OS skips the run", async (t) => {
  const dir = await tempDir();
  const s = await script(dir, "touch.sh", "touch ran");
  const { ctx, texts } = recordingContext(dir, { build });
  await plugin.provision(ctx, prepare(dir, { script: "touch.sh", execute_command: ["/bin/sh", s], only_on: ["windows"] }));
  t.deepEqual(texts("say"), ["Skipping shell-local due to runtime OS"]);
  await t.throwsAsync(readFile(join(dir, "ran")));
});

test("cancel kills the script and its children (the whole process group)", async (t) => {
  const dir = await tempDir();
  // The child ignores SIGTERM, so only the group SIGKILL after the grace period can end it.
  const s = await script(dir, "hang.sh", `sh -c 'trap "" TERM; sleep 300' & echo $! > child.pid; echo $$ > self.pid; sleep 300`);
  const { ctx, abort } = recordingContext(dir, { build });
  const running = plugin.provision(ctx, prepare(dir, { script: "hang.sh", execute_command: ["/bin/sh", s] }));
  const pids = await waitForPids(dir, ["self.pid", "child.pid"]);
  t.true(await alive(pids[0]!), "script runs before the cancel");
  abort.abort();
  const err = await t.throwsAsync(running);
  // Packer's shell-local says so when its command's context ends (a cancel, a provisioner timeout).
  t.regex(err?.message ?? "", /^Error executing script: \/.*\n\nPlease see output above for more information\.$/);
  await waitUntil(async () => !(await alive(pids[0]!)) && !(await alive(pids[1]!)), 10_000);
  for (const pid of pids) t.false(await alive(pid), `pid ${pid} is gone`);
  const { stdout } = await run("ps", ["-eo", "pid,pgid,args"]);
  t.false(stdout.split("\n").some((l) => l.includes("sleep 300") && l.trim().split(/\s+/)[1] === String(pids[0])), "nothing left in the group");
});

test("{{.Vars}} sets every variable for a real shell: sorted, quotes escaped, env wins, HTTP placeholders left out", async (t) => {
  const vars = flattenEnvVars({
    buildName: "b1",
    builderType: "null",
    generated: { PackerHTTPAddr: "ERR_HTTP_ADDR_NOT_IMPLEMENTED_BY_BUILDER", PackerHTTPIP: "10.0.2.2" },
    environmentVars: ["QUOTE=it's \"fine\" $HOME", "SAME=from-list", "EMPTY="],
    env: { SAME: "from-env" },
    format: "%s='%s' ",
  });
  t.true(vars.startsWith("EMPTY='' PACKER_BUILDER_TYPE='null' PACKER_BUILD_NAME='b1' PACKER_HTTP_IP='10.0.2.2' QUOTE="));
  const { stdout } = await run("/bin/sh", ["-c", `${vars} env`], { env: {} });
  const env = Object.fromEntries(stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  t.is(env.QUOTE, `it's "fine" $HOME`);
  t.is(env.SAME, "from-env");
  t.is(env.PACKER_BUILD_NAME, "b1");
  t.is(env.PACKER_HTTP_IP, "10.0.2.2");
  t.false("PACKER_HTTP_ADDR" in env);
});

engineTest("inline commands run through the default execute_command with the build's variables; the temp script is written in the build's scratch folder and removed", async (t) => {
  const dir = await tempDir();
  const before = new Set((await readdir(tmpdir())).filter((n) => n.startsWith("packer-shell")));
  const { ctx, texts } = recordingContext(dir, { build });
  await plugin.provision(
    ctx,
    prepare(dir, {
      inline: ['echo "$PACKER_BUILD_NAME/$PACKER_BUILDER_TYPE/$GREETING"', 'case "$0" in *.sh) echo ext-ok;; esac'],
      environment_vars: ["GREETING=it's me"],
      tempfile_extension: "sh",
    }),
  );
  t.deepEqual(texts("message"), ["test-build/null/it's me", "ext-ok"]);
  // recordingContext's scratch folder is `dir`: the script was there, never in the system temp folder.
  t.true((texts("say")[0] ?? "").startsWith(`Running local shell script: ${ctx.scratchDir}/packer-shell`), texts("say")[0]);
  t.regex(texts("say")[0] ?? "", /\/packer-shell\d+\.sh$/);
  t.deepEqual((await readdir(ctx.scratchDir)).filter((n) => n.startsWith("packer-shell")), [], "removed");
  const after = (await readdir(tmpdir())).filter((n) => n.startsWith("packer-shell") && !before.has(n));
  t.deepEqual(after, []);
});

engineTest("the inline shebang's -e stops at the first failing command", async (t) => {
  const dir = await tempDir();
  const { ctx, texts } = recordingContext(dir, { build });
  const err = await t.throwsAsync(plugin.provision(ctx, prepare(dir, { inline: ["echo before", "false", "echo after"] })));
  t.is(err?.message, "Script exited with non-zero exit status: 1.Allowed exit codes are: [0]");
  t.deepEqual(texts("message"), ["before"]);
});

async function waitForPids(dir: string, files: string[]): Promise<number[]> {
  let pids: number[] = [];
  await waitUntil(async () => {
    try {
      pids = await Promise.all(files.map(async (f) => Number((await readFile(join(dir, f), "utf8")).trim())));
      return pids.every((p) => p > 0);
    } catch {
      return false;
    }
  }, 10_000);
  return pids;
}

async function alive(pid: number): Promise<boolean> {
  try {
    const { stdout } = await run("ps", ["-o", "stat=", "-p", String(pid)]);
    return stdout.trim() !== "" && !stdout.trim().startsWith("Z");
  } catch {
    return false; // ps exits 1 when the pid does not exist
  }
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
