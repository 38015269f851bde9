import test from "ava";
import { execFileSync } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { SshCommunicator } from "../../../agent/communicators/ssh/index.js";
import { plugin } from "../../../agent/provisioners/shell/index.js";
import { ConfigErrors } from "../../../shared/components/problems.js";
import type { Config } from "../../../shared/components/provisioners/shell.js";
import { startSshd, type SshdFixture } from "../../fixtures/sshd.js";
import { prepareContext, recordingContext, tempDir, type RecordingContext } from "../fixtures/recording-run-context.js";

let sshd: SshdFixture;

test.before(async () => {
  sshd = await startSshd();
});

test.after.always(async () => {
  await sshd?.stop();
});

interface Harness {
  rc: RecordingContext;
  workDir: string;
  /** A folder on the "machine" (sshd is local) the ssh user may write to. */
  remoteDir: string;
  prepare(config: Record<string, unknown>): Config;
  run(config: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

async function harness(generated?: Record<string, string>, build = { name: "web", type: "null" }): Promise<Harness> {
  const workDir = await tempDir("kiln-shell-test-");
  const remoteDir = await sshd.userDir();
  const rc = recordingContext(workDir, { build, generated });
  const comm = await SshCommunicator.connect(sshd.communicatorConfig());
  rc.ctx.comm = comm;
  const prepare = (config: Record<string, unknown>): Config =>
    plugin.schema.prepare({ type: "shell", config: { remote_folder: remoteDir, ...config } }, prepareContext(workDir, build, rc.ctx.generated));
  return {
    rc,
    workDir,
    remoteDir,
    prepare,
    run: (config) => plugin.provision(rc.ctx, prepare(config)),
    close: () => comm.close(),
  };
}

test("inline commands run on the machine as the ssh user, with output on the UI and the script cleaned up", async (t) => {
  const h = await harness();
  try {
    await h.run({ inline: ["echo hello from $(id -un)", "echo warn >&2", "pwd >/dev/null"] });
    t.deepEqual(h.rc.texts("message"), [`hello from ${sshd.user}`]);
    t.deepEqual(h.rc.texts("error"), ["warn"]);
    t.regex(h.rc.texts("say")[0] ?? "", /^Provisioning with shell script: .*packer-shell\d+$/);
    t.deepEqual(await readdir(h.remoteDir), [], "the uploaded script is removed");
  } finally {
    await h.close();
  }
});

test("inline_shebang decides the interpreter, and -e stops at the first failing command", async (t) => {
  const h = await harness();
  try {
    await h.run({ inline: ['echo "$BASH_VERSION" | grep -q . && echo is-bash'], inline_shebang: "/bin/bash -e" });
    t.deepEqual(h.rc.texts("message"), ["is-bash"]);
    const err = await t.throwsAsync(h.run({ inline: ["false", "echo not-reached"] }));
    t.is(err?.message, "Script exited with non-zero exit status: 1.Allowed exit codes are: [0]");
    t.false(h.rc.texts("message").includes("not-reached"));
  } finally {
    await h.close();
  }
});

test("script and scripts are uploaded and run in order; CRLF endings become LF unless binary", async (t) => {
  const h = await harness();
  try {
    await writeFile(path.join(h.workDir, "one.sh"), "#!/bin/sh\r\necho one\r\n");
    await writeFile(path.join(h.workDir, "two.sh"), "#!/bin/sh\necho two\n");
    await h.run({ scripts: ["one.sh", "two.sh"] });
    t.deepEqual(h.rc.texts("message"), ["one", "two"]);
    t.deepEqual(
      h.rc.texts("say").filter((s) => s.startsWith("Provisioning")),
      ["Provisioning with shell script: one.sh", "Provisioning with shell script: two.sh"],
    );

    // With binary the CR stays part of the value, so the shell counts it.
    await writeFile(path.join(h.workDir, "cr.sh"), "V=ab\r\necho len=${#V}\r\n");
    h.rc.lines.length = 0;
    await h.run({ script: "cr.sh", execute_command: "sh {{.Path}}" });
    await h.run({ script: "cr.sh", binary: true, execute_command: "sh {{.Path}}" });
    t.deepEqual(h.rc.texts("message"), ["len=2", "len=3"]);
  } finally {
    await h.close();
  }
});

test("environment_vars, env and Packer's variables reach the script, quoted safely", async (t) => {
  const h = await harness({ PackerHTTPAddr: "10.0.2.2:8123", PackerHTTPIP: "10.0.2.2", PackerHTTPPort: "8123" }, { name: "web", type: "qemu" });
  try {
    await h.run({
      environment_vars: ["GREETING=it's a 'quoted' $HOME", "EMPTY=", "DUP=from-list"],
      env: { DUP: "from-env", OTHER: "x y" },
      inline: [
        'echo "G=$GREETING"',
        'echo "E=[$EMPTY]"',
        'echo "D=$DUP O=$OTHER"',
        'echo "B=$PACKER_BUILD_NAME T=$PACKER_BUILDER_TYPE"',
        'echo "H=$PACKER_HTTP_ADDR $PACKER_HTTP_IP $PACKER_HTTP_PORT"',
      ],
    });
    t.deepEqual(h.rc.texts("message"), [
      "G=it's a 'quoted' $HOME",
      "E=[]",
      "D=from-env O=x y",
      "B=web T=qemu",
      "H=10.0.2.2:8123 10.0.2.2 8123",
    ]);
  } finally {
    await h.close();
  }
});

test("PACKER_HTTP_* are left out when the builder has no HTTP server", async (t) => {
  const h = await harness({ PackerHTTPAddr: "ERR_HTTP_ADDR_NOT_IMPLEMENTED_BY_BUILDER" });
  try {
    await h.run({ inline: ['echo "[${PACKER_HTTP_ADDR-unset}]"'] });
    t.deepEqual(h.rc.texts("message"), ["[unset]"]);
  } finally {
    await h.close();
  }
});

test("execute_command is rendered with .Path and .Vars at run time", async (t) => {
  const h = await harness();
  try {
    await h.run({
      environment_vars: ["FOO=bar"],
      inline: ['echo "foo=$FOO arg=$1"'],
      execute_command: "echo 'path={{.Path}}'; {{.Vars}} sh {{.Path}} first-arg",
      remote_file: "custom.sh",
    });
    t.deepEqual(h.rc.texts("message"), [`path=${h.remoteDir}/custom.sh`, "foo=bar arg=first-arg"]);
  } finally {
    await h.close();
  }
});

test("use_env_var_file sources the variables from an uploaded file, removed afterwards", async (t) => {
  const h = await harness();
  try {
    await h.run({
      use_env_var_file: true,
      environment_vars: ["FROM_FILE=yes it's here"],
      inline: ['echo "v=$FROM_FILE"'],
      execute_command: "echo file={{.EnvVarFile}}; chmod +x {{.Path}}; . {{.EnvVarFile}} && {{.Path}}",
    });
    const [fileLine, valueLine] = h.rc.texts("message");
    t.regex(fileLine ?? "", new RegExp(`^file=${h.remoteDir}/varfile_\\d+\\.sh$`));
    t.is(valueLine, "v=yes it's here");
    t.deepEqual(await readdir(h.remoteDir), []);
  } finally {
    await h.close();
  }
});

test("valid_exit_codes accepts listed statuses and the error lists them", async (t) => {
  const h = await harness();
  try {
    await h.run({ inline: ["exit 3"], valid_exit_codes: [0, 3] });
    const err = await t.throwsAsync(h.run({ inline: ["exit 4"], valid_exit_codes: [0, 3] }));
    t.is(err?.message, "Script exited with non-zero exit status: 4.Allowed exit codes are: [0 3]");
  } finally {
    await h.close();
  }
});

test("skip_clean leaves the uploaded script on the machine", async (t) => {
  const h = await harness();
  try {
    await h.run({ inline: ["echo kept"], skip_clean: true, remote_file: "kept.sh" });
    t.deepEqual(await readdir(h.remoteDir), ["kept.sh"]);
    t.regex(await readFile(path.join(h.remoteDir, "kept.sh"), "utf8"), /^#!\/bin\/sh -e\necho kept\n$/);
  } finally {
    await h.close();
  }
});

test("a script that drops the connection fails unless expect_disconnect, which then cleans up after reconnecting", async (t) => {
  const h = await harness();
  try {
    // Killing the session's sshd process drops the connection, as a reboot would.
    // (The pause lets sshd pass the output on before it dies.)
    const dropping = { inline: ["echo going-down", "sleep 1", "kill -9 $PPID", "sleep 5"] };
    const err = await t.throwsAsync(h.run({ ...dropping, skip_clean: true }));
    t.regex(err?.message ?? "", /^Script disconnected unexpectedly\. If you expected your script to disconnect/);

    h.rc.lines.length = 0;
    await h.run({ ...dropping, expect_disconnect: true, remote_file: "reboot.sh" });
    t.deepEqual(h.rc.texts("message"), ["going-down"]);
    t.false((await readdir(h.remoteDir)).includes("reboot.sh"), "cleaned up over a new connection");
  } finally {
    await h.close();
  }
});

test("cancelling the build stops the running script on the machine", async (t) => {
  const h = await harness();
  try {
    const marker = `sleep 5${Math.floor(Math.random() * 1000) + 1000}`;
    const running = h.run({ inline: [marker] });
    const alive = (): boolean => {
      try {
        execFileSync("pgrep", ["-f", marker]);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 50 && !alive(); i++) await new Promise((r) => setTimeout(r, 100));
    t.true(alive());
    h.rc.abort.abort();
    await t.throwsAsync(running);
    for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
    t.false(alive(), "the remote sleep is gone");
  } finally {
    await h.close();
  }
});

test("prepare: Packer's defaults", async (t) => {
  const h = await harness();
  try {
    const c = plugin.schema.prepare({ type: "shell", config: { inline: ["true"] } }, prepareContext(h.workDir, { name: "b", type: "null" }, {}));
    t.is(c.executeCommand, "chmod +x {{.Path}}; {{.Vars}} {{.Path}}");
    t.is(c.inlineShebang, "/bin/sh -e");
    t.is(c.remoteFolder, "/tmp");
    t.regex(c.remoteFile, /^script_\d+\.sh$/);
    t.is(c.remotePath, `/tmp/${c.remoteFile}`);
    t.is(c.envVarFormat, "%s='%s' ");
    t.is(c.startRetryTimeoutMs, 300_000);
    t.deepEqual(c.validExitCodes, []);
    const f = plugin.schema.prepare({ type: "shell", config: { inline: ["true"], use_env_var_file: true } }, prepareContext(h.workDir, { name: "b", type: "null" }, {}));
    t.is(f.executeCommand, "chmod +x {{.Path}}; . {{.EnvVarFile}} && {{.Path}}");
    t.is(f.envVarFormat, "export %s='%s'\n");
  } finally {
    await h.close();
  }
});

test("prepare: Packer's validation messages", async (t) => {
  const workDir = await tempDir();
  const ctx = prepareContext(workDir, { name: "b", type: "null" }, {});
  const problems = (config: Record<string, unknown>): string[] => {
    try {
      plugin.schema.prepare({ type: "shell", config }, ctx);
      return [];
    } catch (e) {
      if (!(e instanceof ConfigErrors)) throw e;
      return e.problems.map((p) => p.message);
    }
  };
  t.deepEqual(problems({}), ["Either a script file or inline script must be specified."]);
  t.deepEqual(problems({ inline: [] }), ["Either a script file or inline script must be specified."]);
  await writeFile(path.join(workDir, "a.sh"), "true\n");
  t.deepEqual(problems({ script: "a.sh", scripts: ["a.sh"] }), ["Only one of script or scripts can be specified."]);
  t.deepEqual(problems({ script: "a.sh", inline: ["x"] }), ["Only a script file or an inline script can be specified, not both."]);
  t.deepEqual(problems({ script: "missing.sh" }), ["Bad script 'missing.sh': stat missing.sh: no such file or directory"]);
  t.deepEqual(problems({ inline: ["x"], environment_vars: ["=v", "novalue"] }), [
    "Environment variable not in format 'key=value': =v",
    "Environment variable not in format 'key=value': novalue",
  ]);
  t.deepEqual(problems({ inline: ["x"], bogus: 1 }), [`unknown configuration key: '"bogus"'`]);
});
