/**
 * bin/kiln.js as users run it: a program (sh reads its second line and starts node with the flags
 * of shared/kiln-node-flags.ts), and as `node bin/kiln.js`.
 */
import test from "ava";
import { execFile } from "node:child_process";
import { chmodSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { KILN_NODE_FLAGS } from "../../shared/kiln-node-flags.js";
import { KILN_BIN } from "../fixtures/kiln-cli.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

const run = promisify(execFile);

test("run as a program, kiln starts node with its flags and its arguments, through a symlink too", async (t) => {
  const dir = tempDirSync("kiln-bin-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // A `node` first on PATH that says how it was started.
  writeFileSync(join(dir, "node"), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
  chmodSync(join(dir, "node"), 0o755);
  symlinkSync(KILN_BIN, join(dir, "kiln"));
  for (const program of [KILN_BIN, join(dir, "kiln")]) {
    const { stdout } = await run(program, ["build", "-var", "a=b c", "t.json"], { env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ""}` }, timeout: 20_000, killSignal: "SIGKILL" });
    t.deepEqual(stdout.trimEnd().split("\n"), [...KILN_NODE_FLAGS, program, "build", "-var", "a=b c", "t.json"]);
  }
});

test("run as a program with the real node, kiln works (and so does `node bin/kiln.js`)", async (t) => {
  const asProgram = await run(KILN_BIN, ["version"], { timeout: 30_000, killSignal: "SIGKILL" });
  const withNode = await run(process.execPath, [KILN_BIN, "version"], { timeout: 30_000, killSignal: "SIGKILL" });
  t.regex(asProgram.stdout, /\d+\.\d+/);
  t.is(asProgram.stdout, withNode.stdout);
});
