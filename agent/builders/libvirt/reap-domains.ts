/**
 * The farm's leftover reaper for the libvirt builder. A crashed agent's domains were started with
 * autodestroy, so libvirtd already stopped them; what remains is their definitions and the volumes
 * the builds created. Every domain whose Kiln metadata names this host and a dead job's agent
 * process is destroyed if still running, undefined, and the volumes its metadata lists deleted.
 * Looks at the agent's own libvirt URI (KILN_LIBVIRT_URI): builds that used another URI are not
 * reaped.
 */
import { errorMessage } from "../../../shared/error-message.js";
import os from "node:os";
import type { LeftoverReaper } from "../types.js";
import { LibvirtConnection } from "./binding/connection.js";
import { domainOwnership } from "./domain-xml.js";
import { agentLibvirtUri } from "./host-probe.js";

export const reapLibvirtDomains: LeftoverReaper = async (deadJobs, log) => {
  if (deadJobs.length === 0) return;
  const deadPids = new Set(deadJobs.map((j) => j.pid));
  let conn: LibvirtConnection;
  try {
    conn = await LibvirtConnection.open(agentLibvirtUri(process.env));
  } catch {
    return; // no libvirt here: this agent never ran a libvirt build
  }
  try {
    const host = os.hostname();
    for (const domain of await conn.listDomains()) {
      try {
        const owner = domainOwnership(await domain.xml());
        if (!owner || owner.host !== host || !deadPids.has(owner.pid)) continue;
        const name = domain.name;
        if (await domain.isActive()) await domain.destroy();
        await domain.undefine();
        log.info("removed a libvirt domain left by a dead job", { domain: name, build: owner.buildName, pid: owner.pid });
        for (const v of owner.volumes) {
          const pool = await conn.lookupPool(v.pool);
          const volume = await pool?.lookupVolume(v.name);
          if (volume) {
            await volume.delete();
            volume.free();
            log.info("deleted a libvirt volume left by a dead job", { pool: v.pool, volume: v.name, domain: name });
          }
          pool?.free();
        }
      } catch (e) {
        log.warn("could not reap a libvirt domain", { error: errorMessage(e) });
      } finally {
        domain.free();
      }
    }
  } finally {
    await conn.close();
  }
};
