import { randomInt } from "node:crypto";
import { open, rename } from "node:fs/promises";
import { join } from "node:path";

/**
 * Writes inline commands to a new executable script in `dir` (the build's scratch folder: the
 * commands may hold secrets, and a crashed agent's job folder is reaped whole, unlike the system
 * temp folder), named like Packer's (`packer-shell<digits>`, plus the extension if any), with the
 * shebang first. The caller removes it.
 */
export async function writeInlineScript(dir: string, commands: readonly string[], shebang: string, extension: string): Promise<string> {
  const body = (shebang !== "" ? `#!${shebang}\n` : "") + commands.map((c) => `${c}\n`).join("");
  for (let attempt = 0; ; attempt++) {
    const path = join(dir, `packer-shell${randomInt(1e9, 1e10)}`);
    let file;
    try {
      file = await open(path, "wx", 0o700);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST" && attempt < 10) continue;
      throw new Error(`Error preparing shell script: ${(e as Error).message}`);
    }
    try {
      await file.writeFile(body);
    } finally {
      await file.close();
    }
    if (extension === "") return path;
    await rename(path, `${path}.${extension}`);
    return `${path}.${extension}`;
  }
}
