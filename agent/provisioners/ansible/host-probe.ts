/**
 * What the ansible provisioner needs of the host running the build (its schema's `hostNeeds`):
 * an ansible-playbook that answers `--version`. A farm agent advertises `ansible` with it, so
 * jobs whose templates run Ansible go only to hosts that have it.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { findOnPath, type HostCapabilityProbe } from "../../host-probe/index.js";

const run = promisify(execFile);

export const probeAnsibleHost: HostCapabilityProbe = async (ctx) => {
  const program = await findOnPath(ctx.env, "ansible-playbook");
  if (!program) return [{ capability: "ansible", ok: false, why: "no ansible-playbook on PATH" }];
  try {
    const { stdout } = await run(program, ["--version"], { env: ctx.env, timeout: Math.max(ctx.serviceTimeoutMs, 10_000) });
    const version = /^ansible-playbook\s+(?:\[core\s+)?([\d.]+)/m.exec(stdout)?.[1] ?? "unknown version";
    return [{ capability: "ansible", ok: true, why: `${program} (${version})` }];
  } catch (e) {
    return [{ capability: "ansible", ok: false, why: `${program} --version failed: ${(e as Error).message.split("\n")[0]}` }];
  }
};
