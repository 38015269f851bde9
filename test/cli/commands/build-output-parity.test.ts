/**
 * `kiln build` output against the real `packer build` (1.6.6, from apt) on a template Packer can
 * run here (file + null builders, shell-local, compress, manifest): the same machine-readable
 * lines (timestamps, temp-file names and durations aside; builds run concurrently, so compared as
 * a set, with the order inside each artifact block checked separately), and the human colour lines.
 */
import test from "ava";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { kilnIn, workspace } from "./kiln-process.js";
import { havePacker166, runPacker } from "../../fixtures/packer-cli.js";

const havePacker = await havePacker166();
if (!havePacker) console.log("build-output-parity: skipped, packer 1.6.6 is not on PATH (apt install packer)");

const TEMPLATE = {
  builders: [
    { type: "file", name: "one", content: "hello", target: "out-one.txt" },
    { type: "null", name: "two", communicator: "none" },
  ],
  provisioners: [{ type: "shell-local", inline: ["echo hi from {{build_name}}"] }],
  "post-processors": [[{ type: "compress", output: "out-{{.BuildName}}.tar.gz", only: ["one"] }, { type: "manifest", output: "m.json" }]],
};

const normalise = (text: string): string[] =>
  text.split("\n").filter((l) => l !== "")
    .map((l) => l.replace(/^\d+,/, "T,").replace(/(finished after|completed after) [^.]+/, "$1 D").replace(/\/tmp\/\S*packer-shell\d+/, "SCRIPT"));

function clean(dir: string): void {
  for (const f of ["out-one.txt", "out-one.tar.gz", "m.json"]) rmSync(join(dir, f), { force: true });
}

(havePacker ? test : test.skip)("build -machine-readable writes the lines packer 1.6.6 writes", async (t) => {
  const dir = workspace({ "t.json": TEMPLATE });
  const packer = await runPacker(["build", "-machine-readable", "t.json"], { cwd: dir, killAfterMs: 60_000, env: { PATH: process.env.PATH, HOME: dir, CHECKPOINT_DISABLE: "1" }, retryOnTimeout: true });
  t.is(packer.status, 0, packer.stdout + packer.stderr);
  clean(dir);
  const kiln = kilnIn(dir, ["build", "-machine-readable", "t.json"]);
  t.is(kiln.status, 0, kiln.stdout + kiln.stderr);
  const p = normalise(packer.stdout);
  const k = normalise(kiln.stdout);
  t.deepEqual([...k].sort(), [...p].sort());
  // Inside the summary, an artifact's records come before its "--> name: …" line.
  const firstRecord = k.findIndex((l) => l.startsWith("T,one,artifact,0,builder-id"));
  const itsLine = k.findIndex((l) => l === "T,,ui,say,--> one: compressed artifacts in: out-one.tar.gz");
  t.true(firstRecord >= 0 && itsLine > firstRecord);
});

(havePacker ? test : test.skip)("build prints Packer's colour lines, and a file build runs its provisioners", (t) => {
  const dir = workspace({ "t.json": TEMPLATE });
  const kiln = kilnIn(dir, ["build", "t.json"]);
  t.is(kiln.status, 0, kiln.stdout + kiln.stderr);
  t.true(kiln.stdout.startsWith("\x1b[1;32mone: output will be in this color.\x1b[0m\n\x1b[1;36mtwo: output will be in this color.\x1b[0m\n\n"), kiln.stdout);
  t.regex(kiln.stdout, /one: hi from one/);
  t.notRegex(kilnIn(dir, ["build", "-force", "-color=false", "t.json"]).stdout, /output will be in this color/);
});

(havePacker ? test : test.skip)("a build's colour lines are packer 1.6.6's bytes: ESC[1;NNm say, ESC[0;NNm message, bold red errors, a plain summary", async (t) => {
  const failing = {
    builders: [{ type: "file", name: "f", target: "out.txt", content: "x" }, { type: "null", name: "n", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: ["echo hello", "exit 3"], only: ["n"] }],
  };
  const dir = workspace({ "t.json": failing });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const packer = await runPacker(["build", "t.json"], { cwd: dir, killAfterMs: 60_000, env: { PATH: process.env.PATH, HOME: dir, CHECKPOINT_DISABLE: "1" }, retryOnTimeout: true });
  t.is(packer.status, 1, packer.stdout + packer.stderr);
  rmSync(join(dir, "out.txt"), { force: true });
  const kiln = kilnIn(dir, ["build", "t.json"]);
  t.is(kiln.status, 1, kiln.stdout + kiln.stderr);
  // The two builds run at once: compared as a set of lines, durations and script names aside.
  const lines = (text: string): string[] =>
    text.split("\n").map((l) => l.replace(/after \d[^.:\x1b]*/, "after D").replace(/\/tmp\/\S*packer-shell\d+/, "SCRIPT")).sort();
  t.deepEqual(lines(kiln.stdout), lines(packer.stdout));
  t.true(kiln.stdout.includes("\x1b[0;36m    n: hello\x1b[0m\n"));
  t.true(kiln.stdout.includes("\n==> Some builds didn't complete successfully and had errors:\n"), "the summary is plain");
});

/**
 * Packer's TimeoutProvisioner says this from a goroutine that races the provisioner's return, so
 * a Packer run may leave it out: compared apart.
 */
const TIMEOUT_LINE = "Cancelling provisioner after a timeout...";

/**
 * Packer's and Kiln's output of one template, each run in a fresh folder, as sorted lines (the
 * builds run at once), with the files each run left in its folder.
 */
async function bothOutputs(t: { is: (a: unknown, b: unknown, m?: string) => void; teardown: (f: () => void) => void }, template: unknown, args: string[], status: number): Promise<{ packer: string[]; kiln: string[]; kilnText: string; packerFiles: string[]; kilnFiles: string[] }> {
  const dirs = [workspace({ "t.json": template }), workspace({ "t.json": template })];
  t.teardown(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const kdir = dirs[1]!;
  let pdir = dirs[0]!;
  const runPackerIn = (cwd: string) => runPacker(["build", "-color=false", ...args, "t.json"], { cwd, killAfterMs: 60_000, env: { PATH: process.env.PATH, HOME: cwd, CHECKPOINT_DISABLE: "1", TMPDIR: cwd }, retryOnTimeout: true });
  let packer = await runPackerIn(pdir);
  // Packer 1.6.6's plugin RPC can itself crash on a busy machine (its sleep provisioner cancelled
  // after 1 ms: "PACKER CRASH … unexpected EOF"); such a run says nothing of Packer's behaviour.
  for (let retry = 0; retry < 3 && packer.stdout.includes("PACKER CRASH"); retry++) {
    pdir = workspace({ "t.json": template });
    dirs.push(pdir);
    packer = await runPackerIn(pdir);
  }
  t.is(packer.status, status, packer.stdout + packer.stderr);
  const kiln = kilnIn(kdir, ["build", "-color=false", ...args, "t.json"], { env: { TMPDIR: kdir } });
  t.is(kiln.status, status, kiln.stdout + kiln.stderr);
  const lines = (text: string): string[] =>
    text.split("\n").filter((l) => !l.includes(TIMEOUT_LINE)).map((l) => l.replace(/^\d+,/, "T,").replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: /, "STAMP: ").replace(/after \d[^.:]*/, "after D").replace(/\/\S*packer-shell\d+/, "SCRIPT")).sort();
  // (-machine-readable's timestamps are made equal before sorting: lines of one second apart would sort apart.)
  // Packer's temp scripts are gone once it exits; Kiln's scratch folders too.
  const files = (d: string): string[] => readdirSync(d).filter((f) => !f.startsWith(".") && !f.startsWith("packer-shell") && !f.startsWith("kiln-build-")).sort();
  return { packer: lines(packer.stdout), kiln: lines(kiln.stdout), kilnText: kiln.stdout, packerFiles: files(pdir), kilnFiles: files(kdir) };
}

(havePacker ? test : test.skip)("max_retries says 'retry limit reached.', pause_before comes again before each retry and silences timeout, a timeout cancels as packer 1.6.6 does", async (t) => {
  const template = {
    builders: [{ type: "null", name: "a", communicator: "none" }, { type: "null", name: "b", communicator: "none" }],
    provisioners: [
      { type: "shell-local", inline: ["echo pb", "exit 2"], pause_before: "1s", timeout: "1s", max_retries: 1, only: ["a"] },
      { type: "shell-local", inline: ["echo slow", "sleep 5", "echo done"], timeout: "1s", only: ["b"] },
    ],
  };
  const { packer, kiln, kilnText } = await bothOutputs(t, template, [], 1);
  t.deepEqual(kiln, packer);
  t.true(kiln.includes("==> a: retry limit reached."));
  t.true(kilnText.includes(`==> b: ${TIMEOUT_LINE}`));
});

(havePacker ? test : test.skip)("-on-error=abort and -on-error=run-cleanup-provisioner say the error and name the steps they leave, as packer 1.6.6 does", async (t) => {
  const template = {
    builders: [{ type: "null", name: "bad", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: ["echo try", "exit 3"], max_retries: 1 }],
    "error-cleanup-provisioner": { type: "shell-local", inline: ["echo cleaning up $PACKER_BUILD_NAME"] },
  };
  for (const mode of ["abort", "run-cleanup-provisioner"]) {
    const { packer, kiln } = await bothOutputs(t, template, [`-on-error=${mode}`], 1);
    t.deepEqual(kiln, packer, mode);
  }
});

(havePacker ? test : test.skip)("a message of several lines gets the build's prefix on each line, in colour and machine-readable output", async (t) => {
  // A timed-out shell-local fails with "Error executing script: …\n\nPlease see output above…",
  // which -on-error=abort says as one message.
  const template = {
    builders: [{ type: "null", name: "n", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: ["sleep 5"], timeout: "500ms" }],
  };
  const dir = workspace({ "t.json": template });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env = { PATH: process.env.PATH, HOME: dir, CHECKPOINT_DISABLE: "1", TMPDIR: dir };
  for (const flags of [["-on-error=abort"], ["-on-error=abort", "-machine-readable"]]) {
    const packer = await runPacker(["build", ...flags, "t.json"], { cwd: dir, killAfterMs: 60_000, env, retryOnTimeout: true });
    t.is(packer.status, 1, packer.stdout + packer.stderr);
    const kiln = kilnIn(dir, ["build", ...flags, "t.json"], { env: { TMPDIR: dir } });
    t.is(kiln.status, 1, kiln.stdout + kiln.stderr);
    const same = (text: string): string[] =>
      text.split("\n").filter((l) => !l.includes(TIMEOUT_LINE)).map((l) => l.replace(/^\d+,/, "T,").replace(/after \d[^.:\x1b]*/g, "after D").replace(/\/\S*packer-shell\d+/g, "SCRIPT"));
    t.deepEqual(same(kiln.stdout), same(packer.stdout), flags.join(" "));
  }
});

(havePacker ? test : test.skip)("Packer's timeout fixture: sleep runs and its timeout says 'context canceled'; the file builder's failed provision hook runs no cleanup provisioner", async (t) => {
  // hashicorp/packer command/test-fixtures/timeout/template.json, plus an error-cleanup-provisioner.
  const template = {
    builders: [{ name: "roses", type: "file", content: "roses", target: "roses.txt" }],
    provisioners: [
      { type: "shell-local", inline: ["touch fuchsias.txt"], timeout: "5s" },
      { type: "shell-local", inline: ["touch lilas.txt"] },
      { type: "sleep", duration: "2m", timeout: "1ms" },
      { type: "shell-local", inline: ["touch campanules.txt"] },
    ],
    "error-cleanup-provisioner": { type: "shell-local", inline: ["touch ducky.txt"] },
  };
  const { packer, kiln, packerFiles, kilnFiles } = await bothOutputs(t, template, [], 1);
  t.deepEqual(kiln, packer);
  t.true(kiln.includes("Build 'roses' errored after D: context canceled"));
  t.deepEqual(kilnFiles, packerFiles);
  t.deepEqual(kilnFiles, ["fuchsias.txt", "lilas.txt", "roses.txt", "t.json"]);
});

(havePacker ? test : test.skip)("-timestamp-ui stamps the builds' lines but not the closing summary, as packer 1.6.6 does", async (t) => {
  const template = {
    builders: [{ type: "file", name: "ok", content: "x", target: "ok.txt" }, { type: "null", name: "bad", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: ["echo try", "exit 3"], only: ["bad"] }],
  };
  const { packer, kiln } = await bothOutputs(t, template, ["-timestamp-ui"], 1);
  t.deepEqual(kiln, packer);
  t.true(kiln.includes("==> Some builds didn't complete successfully and had errors:"));
  t.true(kiln.includes("STAMP: Build 'ok' finished after D."));
});

(havePacker ? test : test.skip)("a manifest into a missing folder fails as packer 1.6.6 says: its MultiError of post-processor failures, Go's open error", async (t) => {
  const template = {
    builders: [{ type: "null", name: "n", communicator: "none" }],
    "post-processors": [{ type: "manifest", output: "nodir/m.json" }],
  };
  const { packer, kiln, packerFiles, kilnFiles } = await bothOutputs(t, template, [], 1);
  t.deepEqual(kiln, packer);
  t.true(kiln.includes("* Post-processor failed: Unable to write nodir/m.json: open nodir/m.json: no such file or directory"));
  t.deepEqual(kilnFiles, packerFiles);
});

(havePacker ? test : test.skip)("a failed post-processor chain leaves the other chains' artifacts unlisted, as packer 1.6.6 does", async (t) => {
  const template = {
    builders: [{ type: "file", name: "f", content: "x", target: "f.txt" }],
    "post-processors": [
      [{ type: "checksum", output: "nodir/{{.BuildName}}.sum" }, { type: "manifest", output: "m1.json" }],
      [{ type: "compress", output: "cdir/f.tar.gz" }],
      [{ type: "shell-local", inline: ["echo failing", "exit 4"] }, { type: "manifest", output: "m2.json" }],
      [{ type: "artifice", files: ["missing.txt"] }, { type: "checksum", output: "art.sum" }],
    ],
  };
  for (const flags of [[], ["-machine-readable"]]) {
    const { packer, kiln, packerFiles, kilnFiles } = await bothOutputs(t, template, flags, 1);
    t.deepEqual(kiln.map((l) => l.replace(/^\d+,/, "T,")), packer.map((l) => l.replace(/^\d+,/, "T,")), flags.join(" "));
    t.true(kiln.some((l) => l.endsWith("Builds finished but no artifacts were created.")));
    t.deepEqual(kilnFiles, packerFiles);
  }
});

(havePacker ? test : test.skip)("compress .tar holds the bytes packer 1.6.6 writes (GNU headers, owner names, a long-name entry)", async (t) => {
  const long = `${"n".repeat(120)}.txt`;
  const template = {
    builders: [{ type: "file", name: "f", content: "file content", target: "f.txt" }],
    "post-processors": [[{ type: "artifice", files: ["f.txt", long] }, { type: "compress", output: "a.tar", keep_input_artifact: true }]],
  };
  const dirs = [workspace({ "t.json": template, [long]: "long" }), workspace({ "t.json": template, [long]: "long" })] as const;
  t.teardown(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const packer = await runPacker(["build", "t.json"], { cwd: dirs[0], killAfterMs: 60_000, env: { PATH: process.env.PATH, HOME: dirs[0], CHECKPOINT_DISABLE: "1" }, retryOnTimeout: true });
  t.is(packer.status, 0, packer.stdout + packer.stderr);
  const kiln = kilnIn(dirs[1], ["build", "t.json"]);
  t.is(kiln.status, 0, kiln.stdout + kiln.stderr);
  t.true(readFileSync(join(dirs[1], "a.tar")).equals(readFileSync(join(dirs[0], "a.tar"))));
});
