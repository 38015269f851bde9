/** Runs the real `kiln` entry point in a child process, in a folder of its own. */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDirSync } from "../../fixtures/temp-dir.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const kiln = join(repo, "bin/kiln.js");

export function workspace(files: Record<string, unknown>): string {
  const dir = tempDirSync("kiln-cli-cmd-");
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return dir;
}

export function kilnIn(dir: string, args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [kiln, ...args], { cwd: dir, encoding: "utf8", input: opts.stdin ?? "", timeout: 120_000, killSignal: "SIGKILL", env: { PATH: process.env.PATH, HOME: dir, ...opts.env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
