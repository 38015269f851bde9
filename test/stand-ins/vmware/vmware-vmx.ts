/**
 * Kiln's stand-in for /usr/lib/vmware/bin/vmware-vmx, which packer runs as `vmware-vmx -v` and
 * whose stderr it searches for `VMware Workstation (\d+)\.`. Running VMs is vmrun's job here.
 */
import { NOT_IMPLEMENTED, StandInError, WORKSTATION_BANNER, runMain } from "./product.js";

runMain(async (args) => {
  if (args.length === 1 && args[0] === "-v") return void process.stderr.write(`${WORKSTATION_BANNER} Release\n`);
  throw new StandInError(`vmware-vmx ${args.join(" ")} ${NOT_IMPLEMENTED}; use vmrun`);
});
