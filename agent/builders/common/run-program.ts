/** Runs a host program (qemu-img) to completion, cancellable, with its stderr in the error. */
import { spawn } from "node:child_process";

export function runProgram(file: string, args: readonly string[], signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], signal });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", (e) => reject(new Error(`${file}: ${e.message}`)));
    child.on("close", (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${file} ${args.join(" ")} failed (exit ${code}): ${err.trim()}`));
    });
  });
}
