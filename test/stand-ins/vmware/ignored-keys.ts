/**
 * The .vmx keys Kiln's vmrun stand-in accepts without acting on them, each with why that is
 * honest: they change nothing a build here can observe (host GUI, VMware Tools, PCI slot
 * numbering, VMware's own bookkeeping). Where only some values are harmless, `accepts` says which;
 * any other value, and any key neither here nor implemented, is refused.
 */
export interface IgnoredKey {
  key: RegExp;
  accepts?: (value: string) => boolean;
  why: string;
}

const falseOrEmpty = (v: string): boolean => v === "" || /^false$/i.test(v);

export const IGNORED_KEYS: readonly IgnoredKey[] = [
  { key: /^\.encoding$/, accepts: (v) => /^utf-8$/i.test(v), why: "the stand-in reads vmx files as UTF-8" },
  { key: /^config\.version$/, accepts: (v) => v === "8", why: "the vmx format version every Workstation release writes" },
  { key: /^virtualhw\.productcompatibility$/, accepts: (v) => v === "hosted", why: "Workstation/Player compatibility" },
  { key: /^guestos$/, why: "VMware's guest-type hint picks defaults in its GUI; it does not change the virtual hardware the vmx spells out" },
  { key: /^nvram$/, why: "VMware's BIOS settings file; SeaBIOS has none (boot order comes from bios.bootOrder)" },
  { key: /^extendedconfigfile$/, why: "the .vmxf team/metadata file, not read at power-on" },
  { key: /^gui\./, why: "the Workstation window's settings; the stand-in has no window" },
  { key: /^hgfs\./, why: "shared folders need VMware Tools in the guest" },
  { key: /^isolation\.tools\./, why: "VMware Tools host-guest features (copy/paste, hgfs)" },
  { key: /^tools\./, why: "VMware Tools policies (time sync, upgrades); guests here run no VMware Tools" },
  { key: /^proxyapps\.publishtohost$/, accepts: falseOrEmpty, why: "Unity app publishing off" },
  { key: /^replay\.(filename|supported)$/, accepts: falseOrEmpty, why: "record/replay off" },
  { key: /^checkpoint\.vmstate$/, accepts: (v) => v === "", why: "no suspended state to resume (a non-empty value would need one)" },
  { key: /^vmotion\.checkpointfbsize$/, why: "framebuffer size for suspend/vMotion checkpoints" },
  { key: /^cleanshutdown$/, why: "VMware's record of the last power-off" },
  { key: /^powertype\.(poweron|reset|suspend)$/, accepts: (v) => /^(soft|hard|default)$/i.test(v), why: "soft/hard variants of operations the stand-in does not implement, or that behave alike without VMware Tools" },
  { key: /^msg\.autoanswer$/, why: "answers VMware's GUI dialogs; the stand-in asks none" },
  { key: /^uuid\.action$/, why: "what VMware does with uuid.bios after a copy; the stand-in keeps whatever uuid.bios says" },
  { key: /^uuid\.location$/, why: "where VMware last saw the vmx" },
  { key: /^annotation$/, why: "a free-text note" },
  { key: /^kiln\.owner$/, why: "Kiln's mark of the process that runs the VM (for its reaper); VMware keeps keys it does not know and ignores them" },
  { key: /^displayname$/, why: "the VM's name in VMware's library; the stand-in passes it to QEMU's -name" },
  { key: /^pcibridge\d+\./, why: "VMware's PCI bridge topology; QEMU puts every device on the i440fx root bus" },
  { key: /\.pcislotnumber$/, why: "PCI slot numbering, not something a guest build depends on" },
  { key: /^vmci\d+\./, why: "VMCI is VMware Tools' host-guest socket device; it has no QEMU counterpart and guests without VMware Tools do not use it" },
  { key: /^ethernet\d+\.(displayname|bsdname|linkstatepropagation\.enable|uptcompatibility)$/, why: "NIC label, the Fusion host interface name, host link state mirroring, vSphere DirectPath" },
  { key: /^ethernet\d+\.networkname$/, why: "a display name for the network; the stand-in connects by connectionType/vnet" },
  { key: /^ethernet\d+\.wakeonpcktrcv$/, accepts: falseOrEmpty, why: "wake-on-LAN off" },
  { key: /^ethernet\d+\.generatedaddressoffset$/, why: "VMware's offset for the next generated MAC" },
  { key: /^(ide|scsi|sata|nvme)\d+:\d+\.redo$/, accepts: (v) => v === "", why: "no redo log" },
  { key: /^(ide|scsi|sata|nvme)\d+:\d+\.writethrough$/, why: "host write caching" },
  { key: /^mks\.enable3d$/, accepts: falseOrEmpty, why: "3D acceleration off" },
];

/** The rule that lets `key = value` through, if any. */
export function ignoredKey(key: string, value: string): IgnoredKey | undefined {
  return IGNORED_KEYS.find((rule) => rule.key.test(key) && (rule.accepts?.(value) ?? true));
}
