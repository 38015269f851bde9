/**
 * Plans the volumes, then defines the build domain (persistent, so operators see it with `virsh
 * list --all` while it builds) with Kiln's ownership metadata naming every volume the build is
 * about to create. It is defined before any volume exists, so a crash at any later point leaves a
 * record the reaper can act on. Cleanup undefines it (and its NVRAM).
 */
import os from "node:os";
import type { Config } from "../../../shared/components/builders/libvirt.js";
import type { Step } from "../../runner/steps.js";
import type { Domain } from "./binding/connection.js";
import { domainXml } from "./domain-xml.js";
import type { LibvirtConnected } from "./step-open-connection.js";
import type { LibvirtWarmReady } from "./warm/step-warm-plan.js";
import { planVolumes, type VolumePlan } from "./volume-plan.js";

export interface DomainDefined {
  domain: Domain;
  plans: VolumePlan[];
}

export function stepDefineDomain(config: Config): Step<LibvirtConnected & LibvirtWarmReady, DomainDefined> {
  return {
    name: "define domain",
    async run(ctx, state) {
      const plans = await planVolumes(state.conn, config);
      const existing = await state.conn.lookupDomain(config.domainName);
      if (existing) {
        existing.free();
        throw new Error(`a libvirt domain named ${config.domainName} already exists: remove it (virsh undefine ${config.domainName}) or set another domain_name`);
      }
      const xml = domainXml({
        config,
        domainType: state.domainType,
        owner: { host: os.hostname(), pid: process.pid, buildName: ctx.build.name },
        created: plans.filter((p) => p.create).map((p) => ({ pool: p.volume.pool, name: p.volume.name })),
        warm: state.warm.mode === "off" ? undefined : state.warm.mode,
      });
      ctx.ui.say(`Defining domain ${config.domainName}`);
      const domain = await state.conn.defineDomain(xml);
      return { domain, plans };
    },
    async cleanup(ctx, state) {
      if (state.domain) {
        ctx.ui.say(`Undefining domain ${config.domainName}`);
        try {
          await state.domain.undefine();
        } finally {
          state.domain.free();
        }
      }
      for (const pool of new Set(state.plans?.map((p) => p.pool))) pool.free();
    },
  };
}
