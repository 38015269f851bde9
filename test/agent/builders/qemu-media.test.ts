/**
 * The qemu builder's cd_files CD on real QEMU (TCG), through `kiln build` of a disk_image (the
 * base image, read through the download step): cd_files (a file glob and a folder), cd_content
 * and cd_label become an ISO on a CD-ROM, which the guest itself mounts; a shell provisioner
 * prints what it sees. (The floppy is read back with mtools in qemu/media.test.ts: the base
 * image's cloud kernel has no floppy driver.)
 */
import test from "ava";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { baseImage } from "../../fixtures/base-image.js";
import { build, qemuBuilder, qemuProcessesUsing, workspace } from "./qemu-harness.js";

test("a disk_image build gets the cd_files CD: the guest sees its label, files, folders and cd_content", async (t) => {
  t.timeout(12 * 60_000);
  const base = await baseImage();
  const dir = workspace({
    builders: [qemuBuilder(base, {
      cd_files: ["media/config", "media/*.cfg"],
      cd_content: { "meta/data.txt": "from cd_content" },
      cd_label: "kiln-cd",
      skip_compaction: true,
    })],
    provisioners: [{
      type: "shell",
      inline: [
        "modprobe sr_mod; mkdir -p /mnt/cd",
        "i=0; until [ -b /dev/sr0 ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i+1)); done",
        "echo \"cd-label=$(blkid -o value -s LABEL /dev/sr0)\"",
        "mount -t iso9660 -o ro /dev/sr0 /mnt/cd",
        "cd /mnt/cd && find . -type f | sort | while read f; do echo \"cd:$f=$(cat \"$f\")\"; done",
        "cd /; umount /mnt/cd",
      ],
    }],
  });
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, "media/config"), { recursive: true });
  await writeFile(join(dir, "media/config/user-data"), "#cloud-config");
  await writeFile(join(dir, "media/a.cfg"), "glob a");
  await writeFile(join(dir, "media/b.cfg"), "glob b");
  await writeFile(join(dir, "media/c.txt"), "not matched by *.cfg");

  const r = await build(dir);
  t.is(r.status, 0, r.out);
  t.regex(r.out, /Creating CD disk/);
  const seen = r.out.split("\n").map((l) => l.replace(/^\s*qemu: /, "").trim()).filter((l) => /^cd[:-]/.test(l));
  t.deepEqual(seen, [
    "cd-label=kiln-cd",
    "cd:./a.cfg=glob a",
    "cd:./b.cfg=glob b",
    "cd:./config/user-data=#cloud-config",
    "cd:./meta/data.txt=from cd_content",
  ], r.out);
  t.deepEqual(qemuProcessesUsing(dir), []);
});
