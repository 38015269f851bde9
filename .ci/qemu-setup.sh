#!/usr/bin/env bash
# Sourced by .ci/run before `npm test`: QEMU, qemu-img and what test/fixtures/make-base-image.sh
# needs, then the tiny Debian base image the qemu builder tests boot (built once per machine,
# cached under /var/cache/kiln-test-images by the script's hash; ~95 s cold).
QEMU_APT_PACKAGES=(
  qemu-system-x86  # the emulator (TCG in CI; KVM where the host really has it)
  qemu-utils       # qemu-img: create, convert, resize, info
  debootstrap      # the base image's root filesystem
  fdisk            # sfdisk: the base image's partition table
  extlinux         # its boot loader
  syslinux-common  # mbr.bin
  dosfstools
  e2fsprogs        # mkfs.ext4, blkid
  mount            # losetup, mount
  util-linux       # flock
  xorriso          # cd_files ISOs, and the installer ISO fixture (test/fixtures/make-installer-iso.sh)
  isolinux         # the installer ISO's boot loader (isolinux.bin; ldlinux.c32 comes from syslinux-common)
  cpio             # the installer's second initrd
  mtools           # floppy_files: mcopy onto the FAT image mkfs.fat (dosfstools) makes
)
if ! apt-get install -y --no-install-recommends "${QEMU_APT_PACKAGES[@]}"; then
  apt-get update
  apt-get install -y --no-install-recommends "${QEMU_APT_PACKAGES[@]}"
fi
bash test/fixtures/make-base-image.sh
