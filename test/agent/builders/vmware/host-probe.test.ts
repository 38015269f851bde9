/** The `vmware` capability: found with the VMware stand-in on PATH (Workstation 16, vmrun answers), not without it. */
import test from "ava";
import { probeVmwareHost } from "../../../../agent/builders/vmware/host-probe.js";
import { vmwareStandIn } from "../../../fixtures/vmware-stand-in.js";

const probeContext = (env: NodeJS.ProcessEnv) => ({ env, sysModuleDir: "/sys/module", devDir: "/dev", serviceTimeoutMs: 5_000 });

test("vmware is advertised when Workstation's programs are found and vmrun answers", async (t) => {
  if (process.getuid?.() !== 0) return t.pass("skipped: the stand-in needs root");
  const standIn = await vmwareStandIn(t);
  const [found] = await probeVmwareHost(probeContext(standIn.env));
  t.like(found, { capability: "vmware", ok: true });
  t.regex(found!.why, /^VMware Workstation 16: .*\/vmrun$/);
  const [absent] = await probeVmwareHost(probeContext({ PATH: "/nonexistent" }));
  t.like(absent, { capability: "vmware", ok: false });
  t.regex(absent!.why, /Unable to initialize any driver/);
});
