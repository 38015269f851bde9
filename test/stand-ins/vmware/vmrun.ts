/**
 * Kiln's stand-in for VMware Workstation's `vmrun` (Linux), for testing vmware-iso/vmware-vmx
 * builders where VMware cannot be installed. A "VM" is a real QEMU process started from the .vmx
 * (machine-spec.ts reads it strictly, qemu-argv.ts maps the hardware, host-network.ts the NAT).
 *
 * What packer 1.6.6's local VMware driver does (builder/vmware/common, iso, vmx), and so what the
 * stand-ins provide:
 * - Driver choice on Linux: Workstation 10, Workstation 9, Player 6, Player 5, first whose
 *   Verify() passes. Workstation: exec.LookPath("vmware"), ("vmrun"), ("vmware-vdiskmanager")
 *   and os.Stat each; a license must "appear" to exist: glob /etc/vmware/license-ws-*; the
 *   version: runs the FIXED path /usr/lib/vmware/bin/vmware-vmx -v and matches
 *   `VMware Workstation (\d+)\.` on its stderr (>= 10 for the WS10 driver, which adds `clone`).
 *   Player looks up `vmplayer` and `vmware-vdiskmanager` or else `qemu-img` (then it creates
 *   and compacts disks with qemu-img itself), and `VMware Player (\d+)\.` from the same vmware-vmx.
 *   `vmware` itself is never run, only found. ovftool is looked up only when exporting
 *   (format ovf/ova); with `format` unset the output is the .vmx folder and export is skipped.
 * - Network files (fixed paths under /etc/vmware): netmap.conf maps the template's `network`
 *   (default "nat") to devices (vmnet8); vmnet8/{dhcp,dhcpd}/{dhcp,dhcpd}.conf (first found) must
 *   hold a `host vmnet8 { fixed-address IP; }` entry: that IP is {{ .HTTPIP }} for boot_command
 *   (StepHTTPIPDiscover; the HTTP server itself listens on http_bind_address, 0.0.0.0 by default).
 *   The guest's own IP comes from vmnet8/dhcpd/dhcpd.leases matched by the .vmx's
 *   ethernet0.address / generatedAddress, then a TCP dial of each candidate, ONLY when ssh_host
 *   (winrm_host) is unset: with `ssh_host` set, CommHost returns it and no lease is read.
 *   nat.conf is never read by packer; it is where Workstation keeps port forwards, and where this
 *   stand-in takes them from.
 * - .vmx: written by packer (keys lowercased, sorted); the iso builder's default template plus
 *   vmx_data; StepConfigureVMX adds msg.autoanswer, uuid.action=create, displayname,
 *   extendedconfigfile and deletes ethernetN.generatedAddress (VMware generates a MAC at power-on);
 *   cd_files go to <cdrom bus>1:<n> as cdrom-image; the VNC step adds remotedisplay.vnc.enabled,
 *   .port (free port in vnc_port_min..max, default 5900-6000), .ip (vnc_bind_address, default
 *   127.0.0.1) and .password (8 random characters unless vnc_disable_password).
 *   disk_adapter_type ide puts the disk at ide0:0 and the installer CD at ide0:1 (the CD of
 *   cd_files at ide1:1); network_adapter_type sets ethernet0.virtualDev (default e1000).
 * - Commands run: `vmware-vdiskmanager -c -s <disk_size>M -a <disk_adapter_type> -t
 *   <disk_type_id, default 1> <out>/disk.vmdk`; `vmrun -T ws start <vmx> gui|nogui` (nogui when
 *   headless); `vmrun -T ws list` (IsRunning: a line equal to the absolute .vmx path), polled
 *   every 150 ms while waiting for shutdown; `vmrun -T ws stop <vmx> hard` (no shutdown_command,
 *   or cleanup of a VM still running after a failure/cancel, at least 5 s after start);
 *   `vmrun -T ws clone <src> <dst> full|linked` (vmware-vmx, WS10+ and Player 6 drivers);
 *   compaction unless skip_compaction: `vmware-vdiskmanager -d <disk>` then `-k <disk>`.
 * - Boot command: VNC to vnc_ip:vnc_port with the password (go-vnc, exclusive), after boot_wait.
 * - Shutdown: with shutdown_command, the communicator runs it (communicator none: a no-op that
 *   "succeeds"), then packer polls `list` until the VM is gone, up to shutdown_timeout; that is
 *   how a guest that powers itself off (an installer) is waited for. Then packer waits (up to
 *   120 s) until no *.lck other than <vm>.vmx.lck is in the output folder, sleeps 5 s, deletes
 *   every file but .nvram .vmdk .vmsd .vmx .vmxf, compacts, and rewrites the .vmx (vmx_data_post,
 *   CD-ROMs turned into empty `cdrom-raw` client drives, VNC disabled).
 * - Not provided, because it cannot be honest here: bridged and host-only networking, DHCP
 *   leases (so a template must set ssh_host to a forwarded 127.0.0.1 port), VMware Tools and
 *   guest operations, getGuestIPAddress without tools (answered from the stand-in's DHCP plan),
 *   ESX (remote_type), ovftool export, snapshots, suspend.
 *
 * Usage: vmrun [-T ws|player] start <vmx> [gui|nogui] | stop <vmx> [hard|soft] | list
 *        | getGuestIPAddress <vmx> [-wait] | clone <vmx> <dst.vmx> full|linked [-cloneName=N]
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { NOT_IMPLEMENTED, StandInError, runMain } from "./product.js";
import { cloneVm } from "./vm-clone.js";
import { startVm, stopVm } from "./vm-power.js";
import { runningVm, runningVms } from "./vm-registry.js";

function vmxArg(args: string[], command: string): string {
  const vmx = args[0];
  if (!vmx) throw new StandInError(`${command}: missing the path to a .vmx file`);
  return resolve(vmx);
}

async function main(argv: string[]): Promise<void> {
  const args = [...argv];
  while (args[0]?.startsWith("-")) {
    const flag = args.shift()!;
    const value = args.shift();
    if (flag === "-T") {
      if (value !== "ws" && value !== "player") throw new StandInError(`host type "${value}" ${NOT_IMPLEMENTED} (ws and player are)`);
    } else if (flag === "-gu" || flag === "-gp" || flag === "-vp") {
      // Guest credentials and encrypted-VM passwords: only guest operations would use them.
    } else {
      throw new StandInError(`option ${flag} (remote hosts) ${NOT_IMPLEMENTED}`);
    }
  }
  const command = args.shift();
  switch (command?.toLowerCase()) {
    case "start": {
      const vmx = vmxArg(args, "start");
      const ui = args[1] ?? "gui";
      // There is no window to show: gui runs headless too (VNC, when the .vmx enables it, still works).
      if (ui !== "gui" && ui !== "nogui") throw new StandInError(`start: "${ui}" is not gui or nogui`);
      if (!existsSync(vmx)) throw new StandInError(`Cannot open VM: ${vmx}, The virtual machine cannot be found`);
      return startVm(vmx);
    }
    case "stop": {
      const mode = args[1];
      if (mode !== undefined && mode !== "hard" && mode !== "soft") throw new StandInError(`stop: "${mode}" is not hard or soft`);
      return stopVm(vmxArg(args, "stop"), mode);
    }
    case "list": {
      const vms = runningVms();
      process.stdout.write(`Total running VMs: ${vms.length}\n${vms.map((vm) => `${vm.vmx}\n`).join("")}`);
      return;
    }
    case "getguestipaddress": {
      const vm = runningVm(vmxArg(args, "getGuestIPAddress"));
      if (!vm) throw new StandInError("The virtual machine is not powered on");
      if (!vm.guestIps[0]) throw new StandInError("Unable to get the IP address (the VM has no NIC)");
      process.stdout.write(`${vm.guestIps[0]}\n`);
      return;
    }
    case "clone": {
      const [src, dst, kind, ...rest] = args;
      if (!src || !dst || (kind !== "full" && kind !== "linked")) throw new StandInError("clone: usage: clone <src.vmx> <dst.vmx> full|linked [-cloneName=NAME]");
      const snapshot = rest.find((a) => a.startsWith("-snapshot="));
      if (snapshot) throw new StandInError(`clone ${snapshot}: snapshots are ${NOT_IMPLEMENTED}`);
      const name = rest.find((a) => a.startsWith("-cloneName="))?.slice("-cloneName=".length);
      return cloneVm(resolve(src), resolve(dst), kind, name);
    }
    case undefined:
      throw new StandInError("usage: vmrun [-T ws|player] start|stop|list|getGuestIPAddress|clone ...");
    default:
      throw new StandInError(`vmrun ${command} ${NOT_IMPLEMENTED}`);
  }
}

runMain(main);
