/**
 * Guest OS type ids the stand-in accepts (a subset of `VBoxManage list ostypes` of VirtualBox 7):
 * VirtualBox refuses an unknown id, and so does the stand-in. The OVF id is the CIM OS code
 * VirtualBox writes in OperatingSystemSection.
 */
import { VBoxManageError } from "./errors.js";

export interface OsType {
  id: string;
  description: string;
  family: string;
  is64: boolean;
  ovfId: number;
}

const table: Array<[string, string, string, number]> = [
  ["Other", "Other/Unknown", "Other", 1],
  ["Other_64", "Other/Unknown (64-bit)", "Other", 102],
  ["Linux26", "Linux 2.6 / 3.x / 4.x / 5.x (32-bit)", "Linux", 99],
  ["Linux26_64", "Linux 2.6 / 3.x / 4.x / 5.x (64-bit)", "Linux", 101],
  ["Linux_64", "Other Linux (64-bit)", "Linux", 101],
  ["Debian", "Debian (32-bit)", "Linux", 95],
  ["Debian_64", "Debian (64-bit)", "Linux", 96],
  ["Ubuntu", "Ubuntu (32-bit)", "Linux", 93],
  ["Ubuntu_64", "Ubuntu (64-bit)", "Linux", 94],
  ["RedHat", "Red Hat (32-bit)", "Linux", 79],
  ["RedHat_64", "Red Hat (64-bit)", "Linux", 80],
  ["Fedora", "Fedora (32-bit)", "Linux", 100],
  ["Fedora_64", "Fedora (64-bit)", "Linux", 101],
  ["OpenSUSE_64", "openSUSE (64-bit)", "Linux", 101],
  ["ArchLinux_64", "Arch Linux (64-bit)", "Linux", 101],
  ["Gentoo_64", "Gentoo (64-bit)", "Linux", 101],
  ["Oracle_64", "Oracle Linux (64-bit)", "Linux", 109],
  ["FreeBSD_64", "FreeBSD (64-bit)", "BSD", 78],
  ["OpenBSD_64", "OpenBSD (64-bit)", "BSD", 65],
  ["NetBSD_64", "NetBSD (64-bit)", "BSD", 83],
  ["Windows10_64", "Windows 10 (64-bit)", "Windows", 103],
  ["Windows11_64", "Windows 11 (64-bit)", "Windows", 103],
  ["Windows2016_64", "Windows 2016 (64-bit)", "Windows", 112],
  ["Windows2019_64", "Windows 2019 (64-bit)", "Windows", 112],
  ["Windows2022_64", "Windows 2022 (64-bit)", "Windows", 112],
];

export const OS_TYPES: readonly OsType[] = table.map(([id, description, family, ovfId]) => ({ id, description, family, is64: id.endsWith("_64"), ovfId }));

/** The canonical spelling of `id` (VirtualBox compares case-insensitively); refuses unknown ids. */
export function osType(id: string): OsType {
  const hit = OS_TYPES.find((t) => t.id.toLowerCase() === id.toLowerCase());
  if (!hit) throw new VBoxManageError(`Guest OS type '${id}' is invalid (Kiln's VBoxManage stand-in knows: ${OS_TYPES.map((t) => t.id).join(", ")})`);
  return hit;
}
