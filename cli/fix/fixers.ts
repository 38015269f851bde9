/**
 * The template rewrites of `packer fix` (1.6.6's fixer list, same names and order), each a small
 * function over the decoded JSON. Each returns true when it changed something.
 */
export type JsonObject = Record<string, unknown>;

export interface Fixer {
  name: string;
  synopsis: string;
  fix(template: JsonObject): boolean;
}

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

function builders(t: JsonObject): JsonObject[] {
  return Array.isArray(t.builders) ? t.builders.filter(isObject) : [];
}

function provisioners(t: JsonObject): JsonObject[] {
  return Array.isArray(t.provisioners) ? t.provisioners.filter(isObject) : [];
}

/** Post-processors in every form a template may write them: "name", {…}, or a chain [...]. */
function postProcessors(t: JsonObject): JsonObject[] {
  const pp = t["post-processors"];
  if (!Array.isArray(pp)) return [];
  return pp.flatMap((x) => (Array.isArray(x) ? x : [x])).filter(isObject);
}

function rename(o: JsonObject, from: string, to: string): boolean {
  if (!(from in o)) return false;
  if (!(to in o)) o[to] = o[from];
  delete o[from];
  return true;
}

function renameIn(objs: JsonObject[], from: string, to: string): boolean {
  return objs.map((o) => rename(o, from, to)).some(Boolean);
}

/** Rewrites every string of the template (for template function renames). */
function mapStrings(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === "string") return f(v);
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, f));
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapStrings(x, f)]));
  return v;
}

function rewriteStrings(t: JsonObject, f: (s: string) => string): boolean {
  let changed = false;
  for (const [k, v] of Object.entries(t)) {
    const next = mapStrings(v, (s) => {
      const r = f(s);
      if (r !== s) changed = true;
      return r;
    });
    t[k] = next;
  }
  return changed;
}

const typed = (t: JsonObject, pred: (type: string) => boolean): JsonObject[] => builders(t).filter((b) => typeof b.type === "string" && pred(b.type));

export const FIXERS: readonly Fixer[] = [
  {
    name: "iso-md5",
    synopsis: "Replaces \"iso_md5\" in builders with \"iso_checksum\"",
    fix: (t) => builders(t).map((b) => {
      if (!("iso_md5" in b)) return false;
      b.iso_checksum = b.iso_md5;
      b.iso_checksum_type = "md5";
      delete b.iso_md5;
      return true;
    }).some(Boolean),
  },
  {
    name: "createtime",
    synopsis: "Replaces \".CreateTime\" in builder configs with \"{{timestamp}}\"",
    fix: (t) => builders(t).map((b) => {
      if (typeof b.ami_name !== "string" || !/\{\{\s*\.CreateTime\s*\}\}/.test(b.ami_name)) return false;
      b.ami_name = b.ami_name.replace(/\{\{\s*\.CreateTime\s*\}\}/g, "{{timestamp}}");
      return true;
    }).some(Boolean),
  },
  {
    name: "virtualbox-gaattach",
    synopsis: "Updates VirtualBox builders using \"guest_additions_attach\" to use \"guest_additions_mode\"",
    fix: (t) => typed(t, (x) => x.startsWith("virtualbox")).map((b) => {
      if (!("guest_additions_attach" in b)) return false;
      const attach = b.guest_additions_attach === true || b.guest_additions_attach === "true";
      delete b.guest_additions_attach;
      if (attach) b.guest_additions_mode = "attach";
      return true;
    }).some(Boolean),
  },
  {
    name: "pp-vagrant-override",
    synopsis: "Fixes provider-specific overrides for Vagrant post-processor",
    fix: (t) => postProcessors(t).filter((p) => p.type === "vagrant" && isObject(p.override)).map((p) => {
      const o = p.override as JsonObject;
      const names: Record<string, string> = { "aws": "aws", "digitalocean": "digitalocean", "virtualbox-iso": "virtualbox", "virtualbox-ovf": "virtualbox", "vmware-iso": "vmware", "vmware-vmx": "vmware", "parallels-iso": "parallels", "parallels-pvm": "parallels" };
      let changed = false;
      for (const [from, to] of Object.entries(names)) if (from !== to && from in o) changed = rename(o, from, to) || changed;
      return changed;
    }).some(Boolean),
  },
  {
    name: "virtualbox-rename",
    synopsis: "Updates \"virtualbox\" builders to \"virtualbox-iso\"",
    fix: (t) => typed(t, (x) => x === "virtualbox").map((b) => ((b.type = "virtualbox-iso"), true)).some(Boolean),
  },
  {
    name: "vmware-rename",
    synopsis: "Updates \"vmware\" builders to \"vmware-iso\"",
    fix: (t) => typed(t, (x) => x === "vmware").map((b) => ((b.type = "vmware-iso"), true)).some(Boolean),
  },
  {
    name: "parallels-headless",
    synopsis: "Removes unused \"headless\" from Parallels builders",
    fix: (t) => typed(t, (x) => x.startsWith("parallels")).map((b) => "headless" in b && delete b.headless).some(Boolean),
  },
  {
    name: "parallels-deprecations",
    synopsis: "Removes deprecated \"parallels_tools_host_path\" from Parallels builders and changes \"guest_os_distribution\" to \"guest_os_type\".",
    fix: (t) => typed(t, (x) => x === "parallels-iso" || x === "parallels-pvm").map((b) => {
      const removed = "parallels_tools_host_path" in b && delete b.parallels_tools_host_path;
      if (!("guest_os_distribution" in b)) return removed;
      b.guest_os_type = b.guest_os_distribution;
      delete b.guest_os_distribution;
      return true;
    }).some(Boolean),
  },
  {
    name: "sshkeypath",
    synopsis: "Updates builders using \"ssh_key_path\" to use \"ssh_private_key_file\"",
    fix: (t) => renameIn(builders(t), "ssh_key_path", "ssh_private_key_file"),
  },
  {
    name: "sshdisableagent",
    synopsis: "Updates builders using \"ssh_disable_agent\" to use \"ssh_disable_agent_forwarding\"",
    fix: (t) => renameIn(builders(t), "ssh_disable_agent", "ssh_disable_agent_forwarding"),
  },
  {
    name: "scaleway-access-key",
    synopsis: "Updates builders using \"access_key\" to use \"organization_id\"",
    fix: (t) => renameIn(typed(t, (x) => x === "scaleway"), "access_key", "organization_id"),
  },
  {
    name: "manifest-filename",
    synopsis: "Updates \"manifest\" post-processor so any \"filename\" field is renamed to \"output\".",
    fix: (t) => renameIn(postProcessors(t).filter((p) => p.type === "manifest"), "filename", "output"),
  },
  {
    name: "amazon-shutdown_behavior",
    synopsis: "Changes \"shutdown_behaviour\" to \"shutdown_behavior\" in Amazon builders.",
    fix: (t) => renameIn(typed(t, (x) => x.startsWith("amazon-")), "shutdown_behaviour", "shutdown_behavior"),
  },
  {
    name: "amazon-enhanced-networking",
    synopsis: "Replaces \"enhanced_networking\" in builders with \"ena_support\"",
    fix: (t) => renameIn(typed(t, (x) => x.startsWith("amazon-")), "enhanced_networking", "ena_support"),
  },
  {
    name: "amazon-private-ip",
    synopsis: "Replaces `\"ssh_private_ip\": true` in amazon builders with `\"ssh_interface\": \"private_ip\"`",
    fix: (t) => typed(t, (x) => x.startsWith("amazon-")).map((b) => {
      if (!("ssh_private_ip" in b)) return false;
      const on = b.ssh_private_ip === true || b.ssh_private_ip === "true";
      delete b.ssh_private_ip;
      if (on && !("ssh_interface" in b)) b.ssh_interface = "private_ip";
      return true;
    }).some(Boolean),
  },
  {
    name: "amazon-temp-sec-cidrs",
    synopsis: "Replaces \"temporary_security_group_source_cidr\" (string) with \"temporary_security_group_source_cidrs\" (list of strings)",
    fix: (t) => typed(t, (x) => x.startsWith("amazon-")).map((b) => {
      const v = b.temporary_security_group_source_cidr;
      if (v === undefined) return false;
      delete b.temporary_security_group_source_cidr;
      if (typeof v === "string" && v !== "") b.temporary_security_group_source_cidrs = v.split(",");
      return true;
    }).some(Boolean),
  },
  {
    name: "docker-email",
    synopsis: "Removes \"login_email\" from the Docker builder.",
    // As Packer 1.6.6 does it: only a template with post-processors is touched, and then every
    // builder and post-processor loses login_email, whatever its type.
    fix: (t) => t["post-processors"] === undefined || t["post-processors"] === null
      ? false
      : [...builders(t), ...postProcessors(t)].map((o) => "login_email" in o && delete o.login_email).some(Boolean),
  },
  {
    name: "docker-tag-tags",
    synopsis: "Updates \"docker\" post-processor so any \"tag\" field is renamed to \"tags\".",
    fix: (t) => postProcessors(t).filter((p) => p.type === "docker-tag").map((p) => {
      if (!("tag" in p)) return false;
      const tags = Array.isArray(p.tags) ? p.tags : p.tags === undefined ? [] : [p.tags];
      const tag = Array.isArray(p.tag) ? p.tag : [p.tag];
      p.tags = [...tags, ...tag];
      delete p.tag;
      return true;
    }).some(Boolean),
  },
  {
    name: "powershell-escapes",
    synopsis: "Removes PowerShell escapes from user env vars and elevated username and password strings",
    fix: (t) => provisioners(t).filter((p) => p.type === "powershell").map((p) => {
      let changed = false;
      for (const k of ["elevated_user", "elevated_password"]) {
        if (typeof p[k] === "string" && (p[k] as string).includes("`")) {
          p[k] = psUnescape(p[k] as string);
          changed = true;
        }
      }
      const env = p.environment_vars;
      if (Array.isArray(env) && env.every((e) => typeof e === "string")) {
        p.environment_vars = env.map(psUnescape);
        changed = true;
      }
      return changed;
    }).some(Boolean),
  },
  {
    name: "vmware-compaction",
    synopsis: "Adds \"skip_compaction = true\" to \"vmware-iso\" builders with incompatible disk_type_id",
    // As Packer 1.6.6: an esx5 build without disk_type_id gets "zeroedthick" written in; a false
    // (or missing) skip_compaction becomes true unless the disk is thin.
    fix: (t) => typed(t, (x) => x === "vmware-iso").map((b) => {
      if (b.remote_type !== "esx5") return false;
      let changed = false;
      if (!("disk_type_id" in b)) {
        b.disk_type_id = "zeroedthick";
        changed = true;
      } else if (typeof b.disk_type_id !== "string" || b.disk_type_id === "thin") return false;
      if ("skip_compaction" in b) {
        if (b.skip_compaction !== false) return changed;
      }
      b.skip_compaction = true;
      return true;
    }).some(Boolean),
  },
  {
    name: "hyperv-deprecations",
    synopsis: "Removes the deprecated \"vhd_temp_path\" setting from Hyper-V ISO builder templates",
    fix: (t) => typed(t, (x) => x === "hyperv-iso").map((b) => "vhd_temp_path" in b && delete b.vhd_temp_path).some(Boolean),
  },
  {
    name: "hyperv-vmxc-typo",
    synopsis: "Fixes a typo replacing \"clone_from_vmxc_path\" with \"clone_from_vmcx_path\" in Hyper-V VMCX builder templates",
    fix: (t) => renameIn(typed(t, (x) => x === "hyperv-vmcx"), "clone_from_vmxc_path", "clone_from_vmcx_path"),
  },
  {
    name: "hyperv-cpu-and-ram",
    synopsis: "Replaces \"cpu\" with \"cpus\" and \"ram_size\" with \"memory\"in Hyper-V VMCX builder templates",
    fix: (t) => typed(t, (x) => x.startsWith("hyperv-")).map((b) => [rename(b, "cpu", "cpus"), rename(b, "ram_size", "memory")].some(Boolean)).some(Boolean),
  },
  {
    name: "clean-image-name",
    synopsis: "Replaces /clean_(image|ami)_name/ in builder configs with \"clean_resource_name\"",
    fix: (t) => rewriteStrings(t, (s) => s.replace(/\bclean_(image|ami)_name\b/g, "clean_resource_name")),
  },
  {
    name: "spot-price-auto-product",
    synopsis: "Removes the deprecated \"spot_price_auto_product\" setting from Amazon builder templates",
    fix: (t) => typed(t, (x) => x.startsWith("amazon-")).map((b) => "spot_price_auto_product" in b && delete b.spot_price_auto_product).some(Boolean),
  },
  {
    name: "qemu-disk-size",
    synopsis: "Updates \"disk_size\" from int to string in QEMU builders.",
    fix: (t) => typed(t, (x) => x === "qemu").map((b) => {
      if (typeof b.disk_size !== "number") return false;
      b.disk_size = `${b.disk_size}M`;
      return true;
    }).some(Boolean),
  },
  {
    name: "galaxy-command",
    synopsis: "Replaces \"galaxycommand\" in ansible-local provisioner configs with \"galaxy_command\"",
    // Packer 1.6.6 fixes ansible-local only, and drops galaxycommand when galaxy_command is also set.
    fix: (t) => provisioners(t).filter((p) => p.type === "ansible-local").map((p) => {
      if (!("galaxycommand" in p)) return false;
      if (!("galaxy_command" in p)) {
        if (typeof p.galaxycommand !== "string") return false;
        p.galaxy_command = p.galaxycommand;
      }
      delete p.galaxycommand;
      return true;
    }).some(Boolean),
  },
  {
    name: "comm-config",
    synopsis: "Remove ssh prefixes from communicator port forwarding configuration (host_port_min, host_port_max, skip_nat_mapping)",
    fix: (t) => builders(t).map((b) => [
      rename(b, "ssh_host_port_min", "host_port_min"),
      rename(b, "ssh_host_port_max", "host_port_max"),
      rename(b, "ssh_skip_nat_mapping", "skip_nat_mapping"),
    ].some(Boolean)).some(Boolean),
  },
  {
    name: "ssh-wait-timeout",
    synopsis: "Replaces \"ssh_wait_timeout\" with \"ssh_timeout\"",
    fix: (t) => renameIn(builders(t), "ssh_wait_timeout", "ssh_timeout"),
  },
  {
    name: "vsphere-iso-net-disk",
    synopsis: "Removes deprecated network and disk fields from \"vsphere-iso\" builder",
    fix: (t) => typed(t, (x) => x === "vsphere-iso").map((b) => {
      let changed = false;
      const nic: JsonObject = {};
      for (const [from, to] of [["network", "network"], ["networkCard", "network_card"], ["network_card", "network_card"]] as const) {
        if (from in b) {
          nic[to] = b[from];
          delete b[from];
        }
      }
      if (Object.keys(nic).length > 0) {
        b.network_adapters = [nic, ...(Array.isArray(b.network_adapters) ? b.network_adapters : [])];
        changed = true;
      }
      const disk: JsonObject = {};
      for (const key of ["disk_size", "disk_thin_provisioned", "disk_eagerly_scrub"]) {
        if (key in b) {
          disk[key] = b[key];
          delete b[key];
        }
      }
      if (Object.keys(disk).length > 0) {
        b.storage = [disk, ...(Array.isArray(b.storage) ? b.storage : [])];
        changed = true;
      }
      return changed;
    }).some(Boolean),
  },
  {
    name: "iso-checksum-type-and-url",
    synopsis: "Puts content of potential \"iso_checksum_url\" and \"iso_checksum_url\" in \"iso_checksum\"",
    fix: (t) => builders(t).map((b) => {
      if (!("iso_checksum_type" in b) && !("iso_checksum_url" in b)) return false;
      // Packer 1.6.6's rule, word for word: a value that is not a string counts as "", and with
      // neither a checksum nor a URL the two keys just go ("none" and no checksum: no iso_checksum).
      const text = (v: unknown): string => (typeof v === "string" ? v : "");
      const [type, url, checksum] = [text(b.iso_checksum_type), text(b.iso_checksum_url), text(b.iso_checksum)];
      delete b.iso_checksum_type;
      delete b.iso_checksum_url;
      if (checksum === "" && url === "") return true;
      b.iso_checksum = url !== "" ? `file:${url}` : type !== "" ? `${type}:${checksum}` : checksum;
      return true;
    }).some(Boolean),
  },
  {
    name: "qemu-host-port",
    synopsis: "Updates ssh_host_port_min and ssh_host_port_max to host_port_min and host_port_max",
    // Packer overwrites an existing host_port_min/max here (comm-config above keeps it).
    fix: (t) => typed(t, (x) => x === "qemu").map((b) => {
      let changed = false;
      for (const [from, to] of [["ssh_host_port_min", "host_port_min"], ["ssh_host_port_max", "host_port_max"]]) {
        if (from in b) {
          b[to] = b[from];
          delete b[from];
          changed = true;
        }
      }
      return changed;
    }).some(Boolean),
  },
  {
    name: "azure-exclude_from_latest",
    synopsis: "Changes \"exlude_from_latest\" to \"exclude_from_latest\" in Azure builders.",
    fix: (t) => typed(t, (x) => x.startsWith("azure-chroot")).map((b) => {
      const dest = b.shared_image_destination;
      if (!isObject(dest) || !("exlude_from_latest" in dest)) return false;
      dest.exclude_from_latest = dest.exlude_from_latest;
      delete dest.exlude_from_latest;
      return true;
    }).some(Boolean),
  },
  {
    name: "proxmox-type",
    synopsis: "Updates the builder type proxmox to proxmox-iso",
    fix: (t) => typed(t, (x) => x === "proxmox").map((b) => {
      b.type = "proxmox-iso";
      return true;
    }).some(Boolean),
  },
];

/** Packer's psUnescape: only these four escapes (`{{user `name`}}` keeps its backquotes). */
function psUnescape(s: string): string {
  return s.replace(/`([$"`'])/g, "$1");
}
