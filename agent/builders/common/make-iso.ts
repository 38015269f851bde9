/**
 * An ISO 9660 image (Joliet and Rock Ridge) of a folder, made with xorriso, genisoimage or
 * mkisofs, whichever the host has (Packer's order on Linux): cd_files media, cloud-init NoCloud
 * seeds (volume id `cidata`).
 */
import { findProgram } from "./find-program.js";
import { runProgram } from "./run-program.js";

const ISO_MAKERS: readonly { program: string; args: readonly string[] }[] = [
  { program: "xorriso", args: ["-as", "mkisofs"] },
  { program: "genisoimage", args: [] },
  { program: "mkisofs", args: [] },
];

export async function makeIso(root: string, isoPath: string, label: string | undefined, signal: AbortSignal, what: string): Promise<void> {
  const found = await findProgram(ISO_MAKERS.map((m) => m.program));
  const maker = ISO_MAKERS.find((m) => m.program === found);
  if (!maker) throw new Error(`${what}: no ISO maker on this host: install xorriso (apt-get install xorriso), genisoimage or mkisofs`);
  const volumeId = label ? ["-V", label] : [];
  await runProgram(maker.program, [...maker.args, "-quiet", "-J", "-joliet-long", "-R", ...volumeId, "-o", isoPath, root], signal);
}
