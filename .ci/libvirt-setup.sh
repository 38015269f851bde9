#!/usr/bin/env bash
# Sourced by .ci/run before `npm test`: libvirtd for the libvirt builder tests, started by hand
# (CI sandboxes have no systemd), as ../shared/notes/libvirt-lab.md describes.
LIBVIRT_APT_PACKAGES=(
  libvirt-daemon-system  # libvirtd, virtlogd and the QEMU driver
  libvirt-clients        # virsh: the tests check what the builder did with it
)
if ! apt-get install -y --no-install-recommends "${LIBVIRT_APT_PACKAGES[@]}"; then
  apt-get update
  apt-get install -y --no-install-recommends "${LIBVIRT_APT_PACKAGES[@]}"
fi
# Without udev, /dev/kvm stays root 0600. libvirt probes QEMU as root (KVM found), then checks
# /dev/kvm as its QEMU user (libvirt-qemu, group kvm: no access), decides its capability cache is
# stale and probes QEMU again on every domain definition (30 s each on a 2-core machine). udev's
# own rule on any Debian host is root:kvm 0660; restore it.
if [ -e /dev/kvm ] && getent group kvm >/dev/null; then
  chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
fi
pgrep -x virtlogd >/dev/null || virtlogd -d
pgrep -x libvirtd >/dev/null || libvirtd -d
for _ in $(seq 1 100); do
  [ -S /run/libvirt/libvirt-sock ] && break
  sleep 0.1
done
virsh -c qemu:///system version >/dev/null
