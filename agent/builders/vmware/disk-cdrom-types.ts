/**
 * Packer's DefaultDiskAndCDROMTypes (builder/vmware/common/step_configure_vmx.go): which bus the
 * main disk and the boot CD-ROM go on for a disk_adapter_type and cdrom_adapter_type. The CD is
 * the second device of the disk's bus for ide and sata, the first of IDE for SCSI disks, the
 * first of SATA for NVMe disks.
 */
export interface DiskAndCdromTypes {
  SCSI_Present: "TRUE" | "FALSE";
  SCSI_diskAdapterType: string;
  SATA_Present: "TRUE" | "FALSE";
  NVME_Present: "TRUE" | "FALSE";
  DiskType: string;
  CDROMType: string;
  CDROMType_PrimarySecondary: string;
}

export function diskAndCdromTypes(diskAdapterType: string, cdromAdapterType: string): DiskAndCdromTypes {
  const t: DiskAndCdromTypes = {
    SCSI_Present: "FALSE", SCSI_diskAdapterType: "lsilogic", SATA_Present: "FALSE", NVME_Present: "FALSE",
    DiskType: "scsi", CDROMType: "ide", CDROMType_PrimarySecondary: "0",
  };
  let adapter = diskAdapterType.toLowerCase();
  switch (adapter) {
    case "ide":
      Object.assign(t, { DiskType: "ide", CDROMType: "ide", CDROMType_PrimarySecondary: "1" });
      break;
    case "sata":
      Object.assign(t, { SATA_Present: "TRUE", DiskType: "sata", CDROMType: "sata", CDROMType_PrimarySecondary: "1" });
      break;
    case "nvme":
      Object.assign(t, { NVME_Present: "TRUE", DiskType: "nvme", SATA_Present: "TRUE", CDROMType: "sata", CDROMType_PrimarySecondary: "0" });
      break;
    default:
      // "scsi" means LSI Logic; any other value (buslogic, pvscsi, lsisas1068…) names the SCSI controller itself.
      if (adapter === "scsi") adapter = "lsilogic";
      Object.assign(t, { SCSI_Present: "TRUE", SCSI_diskAdapterType: adapter, DiskType: "scsi", CDROMType: "ide", CDROMType_PrimarySecondary: "0" });
  }
  // A CD on the disk's own bus is its second device; on another bus, the first.
  let cdrom = cdromAdapterType;
  if (cdrom === "") cdrom = t.CDROMType;
  else t.CDROMType_PrimarySecondary = cdrom === adapter ? "1" : "0";
  if (cdrom === "ide") t.CDROMType = "ide";
  else if (cdrom === "sata") Object.assign(t, { SATA_Present: "TRUE", CDROMType: "sata" });
  else if (cdrom === "scsi") Object.assign(t, { SCSI_Present: "TRUE", CDROMType: "scsi" });
  return t;
}
