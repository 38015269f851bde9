/**
 * Packer's vmware-iso and vmware-vmx builders on a local VMware Workstation or Player, driven
 * through vmrun and vmware-vdiskmanager as Packer's driver does. vmware-iso creates the disks and
 * writes a .vmx that boots the ISO; vmware-vmx clones an existing .vmx. Then both: vmx_data,
 * the installer HTTP server on the host's vmnet address, VNC for the boot command, start, SSH,
 * VMware Tools upload, provisioners, shutdown, file clean-up, disk compaction, vmx_data_post,
 * the .vmx cleaned of build-only devices, and an optional OVF/OVA export with ovftool.
 */
import path from "node:path";
import type { VmwareCommonConfig } from "../../../shared/components/builders/vmware-common.js";
import { schema as isoSchema, type Config as IsoConfig } from "../../../shared/components/builders/vmware-iso.js";
import { schema as vmxSchema, type Config as VmxConfig } from "../../../shared/components/builders/vmware-vmx.js";
import type { Artifact } from "../../runner/artifact.js";
import { StepList } from "../../runner/steps.js";
import { stepCdFiles, type CdReady } from "../common/step-cd-files.js";
import { stepConnect, stepProvision } from "../common/step-connect.js";
import { stepDownloadIso } from "../common/step-download-iso.js";
import { stepFloppy, type FloppyReady } from "../common/step-floppy.js";
import { stepMarkSucceeded, stepOutputDir, type OutputDirReady } from "../common/step-output-dir.js";
import type { BuilderContext, BuilderPlugin } from "../types.js";
import { probeVmwareHost } from "./host-probe.js";
import { reapVmwareVms } from "./reap-vms.js";
import { stepCleanFiles } from "./step-clean-files.js";
import { stepCleanVmx } from "./step-clean-vmx.js";
import { stepCloneVmx } from "./step-clone-vmx.js";
import { stepCompactDisk } from "./step-compact-disk.js";
import { stepConfigureVmx } from "./step-configure-vmx.js";
import { stepConfigureVnc } from "./step-configure-vnc.js";
import { stepCreateDisks } from "./step-create-disks.js";
import { stepCreateVmx } from "./step-create-vmx.js";
import { stepDriver } from "./step-driver.js";
import { stepExport } from "./step-export.js";
import { stepGuestAddress, type GuestAddress } from "./step-guest-address.js";
import { stepHttpServer } from "./step-http-server.js";
import { stepRun } from "./step-run.js";
import { listFiles } from "../common/list-files.js";
import { stepShutdown } from "./step-shutdown.js";
import { stepPrepareTools, stepUploadTools, type ToolsReady } from "./step-tools.js";
import { stepVncBootCommand, stepVncConnect } from "./step-vnc-boot-command.js";
import type { BuildOutcome, DriverReady, VmxReady } from "./state.js";

/** Packer's builder id for local VMware artifacts. */
export const BUILDER_ID = "mitchellh.vmware";

export const isoPlugin: BuilderPlugin<IsoConfig> = {
  schema: isoSchema,
  hostProbe: probeVmwareHost,
  leftoverReaper: reapVmwareVms,
  async run(ctx, config) {
    const outcome: BuildOutcome = { succeeded: false };
    const prepared = StepList.start<object>()
      .then(stepDriver(config))
      .then(stepPrepareTools(config.tools))
      .then(stepDownloadIso(config))
      .then(stepOutputDir(config.outputDirectory, ctx.force, outcome))
      .then(stepFloppy(config))
      .then(stepCdFiles(config))
      .then(stepCreateDisks(config.disk, config.diskSizeMb))
      .then(stepCreateVmx(config));
    await withVmx(prepared, ctx, config, outcome, config.cdromAdapterType).run(ctx, {}, { pause: ctx.pause, keepOnError: ctx.keepOnError });
    return artifactOf(ctx, config);
  },
};

export const vmxPlugin: BuilderPlugin<VmxConfig> = {
  schema: vmxSchema,
  hostProbe: probeVmwareHost,
  leftoverReaper: reapVmwareVms,
  async run(ctx, config) {
    const outcome: BuildOutcome = { succeeded: false };
    const prepared = StepList.start<object>()
      .then(stepDriver(config))
      .then(stepPrepareTools(config.tools))
      .then(stepOutputDir(config.outputDirectory, ctx.force, outcome))
      .then(stepFloppy(config))
      .then(stepCdFiles(config))
      // Additional disks are made, but only vmware-iso's .vmx attaches them (as in Packer).
      .then(stepCreateDisks(config.disk, undefined))
      .then(stepCloneVmx(config));
    await withVmx(prepared, ctx, config, outcome, "").run(ctx, {}, { pause: ctx.pause, keepOnError: ctx.keepOnError });
    return artifactOf(ctx, config);
  },
};

/** What both builders have once their .vmx is in the output directory. */
type VmxPrepared = DriverReady & ToolsReady & OutputDirReady & FloppyReady & CdReady & VmxReady;

/** The steps both builders share from the .vmx on. */
function withVmx(list: StepList<VmxPrepared>, ctx: BuilderContext, config: VmwareCommonConfig, outcome: BuildOutcome, cdromAdapterType: string) {
  const vmxOptions = { vmName: config.vmName, displayName: config.displayName, diskAdapterType: config.disk.adapterType, cdromAdapterType };
  const vncEnabled = !config.boot.disableVnc;
  return list
    .then(stepConfigureVmx({ ...vmxOptions, customData: config.vmxData, beforeBoot: true }))
    .then(stepHttpServer(config.http))
    .then(stepConfigureVnc(config.run, vncEnabled && !config.run.vncOverWebsocket))
    .then(stepRun(config.run))
    .then(stepVncConnect())
    .then(stepVncBootCommand(config.boot, config.vmName))
    .then(stepGuestAddress(config.communicator))
    .then(stepConnect(config.communicator, (s: GuestAddress) => ({
      host: s.commHost,
      port: config.communicator.type === "ssh" ? config.communicator.ssh.port : 22,
    })))
    .then(stepUploadTools(config.tools))
    .then(stepProvision(ctx.provision))
    .then(stepShutdown(config))
    .then(stepCleanFiles())
    .then(stepCompactDisk(config.skipCompaction))
    .then(stepConfigureVmx({ ...vmxOptions, customData: config.vmxDataPost, beforeBoot: false }))
    .then(stepCleanVmx({ removeEthernetInterfaces: config.vmxRemoveEthernet, vncEnabled }))
    .then(stepExport(config))
    .then(stepMarkSucceeded(outcome));
}

/** Packer's NewArtifact: every file left in the output directory. */
async function artifactOf(ctx: BuilderContext, config: VmwareCommonConfig): Promise<Artifact> {
  const outputDir = path.resolve(ctx.workDir, config.outputDirectory);
  return {
    builderId: BUILDER_ID,
    id: config.vmName,
    files: await listFiles(outputDir),
    description: `VM files in directory: ${path.relative(ctx.workDir, outputDir) || outputDir}`,
    state: {
      "artifact.conf.keep_registered": String(config.keepRegistered),
      "artifact.conf.format": config.format,
      "artifact.conf.skip_export": String(config.skipExport),
    },
  } satisfies Artifact;
}
