import test from "ava";
import { devicesOfNetwork, hostAddressOf, leasedAddresses, parseLeases, parseNetmap } from "../../../../agent/builders/vmware/network-files.js";
import { parseVmxVersion } from "../../../../agent/builders/vmware/driver.js";

test("netmap.conf: network names map to vmnet devices, case-insensitively", (t) => {
  const map = parseNetmap('# VMware netmap\nnetwork0.name = "Bridged"\nnetwork0.device = "vmnet0"\nnetwork8.device = "vmnet8"\nnetwork8.name = "NAT"\nnetwork1.name = "HostOnly"\nnetwork1.device = "vmnet1"\n');
  t.deepEqual(devicesOfNetwork(map, "nat"), ["vmnet8"]);
  t.deepEqual(devicesOfNetwork(map, "hostonly"), ["vmnet1"]);
  t.deepEqual(devicesOfNetwork(map, "vmnet3"), []);
});

test("dhcpd.conf: the host's address is the fixed-address of `host <device>`", (t) => {
  const conf = [
    "allow unknown-clients;",
    "subnet 172.33.33.0 netmask 255.255.255.0 {",
    "\trange 172.33.33.128 172.33.33.254;",
    "\toption routers 172.33.33.2;",
    "}",
    "host vmnet8 {\t# host",
    "\thardware ethernet 00:50:56:C0:00:08;",
    "\tfixed-address 172.33.33.1;\t# host.address",
    "#\tfixed-address 10.0.0.1;",
    "}",
  ].join("\n");
  t.is(hostAddressOf(conf, "vmnet8"), "172.33.33.1");
  t.throws(() => hostAddressOf(conf, "vmnet1"), { message: "No host declarations containing vmnet1 found" });
});

test("dhcpd.leases: a lease valid now wins, else any lease of the MAC (Packer's loose match)", (t) => {
  const leases = parseLeases([
    "lease 172.16.1.128 {\n  starts 3 2020/05/13 12:00:37;\n  ends 3 2020/05/13 12:30:37;\n  hardware ethernet 00:0C:29:aa:bb:cc;\n}",
    "lease 172.16.1.129 {\n\tstarts 6 2020/06/12 22:28:54;\n\tends 6 2020/06/12 22:58:54;\n\thardware ethernet 00:0c:29:aa:bb:cc;\n}",
    "lease 172.16.1.130 {\n  starts 6 2020/06/12 22:28:54;\n  ends 6 2020/06/12 22:58:54;\n  hardware ethernet 00:0c:29:11:22:33;\n}",
  ].join("\n"));
  t.deepEqual(leasedAddresses(leases, "00:0c:29:AA:BB:CC", new Date("2020-06-12T22:30:00Z")), ["172.16.1.129"]);
  t.deepEqual(leasedAddresses(leases, "00:0c:29:aa:bb:cc", new Date("2021-01-01T00:00:00Z")), ["172.16.1.128", "172.16.1.129"]);
  t.deepEqual(leasedAddresses(leases, "00:0c:29:ff:ff:ff"), []);
});

test("the product version comes from vmware-vmx -v's banner", (t) => {
  t.is(parseVmxVersion("VMware Workstation 16.2.4 build-20089737 Release", "workstation"), 16);
  t.is(parseVmxVersion("VMware Player 6.0.0 build-1295980 Release", "player"), 6);
  t.is(parseVmxVersion("VMware Player 6.0.0", "workstation"), undefined);
});
