/**
 * Packer's virtualbox-iso and virtualbox-ovf builders, driving VirtualBox through VBoxManage as
 * Packer's driver does. virtualbox-iso creates a VM and an empty VDI and boots the ISO;
 * virtualbox-ovf imports an OVF/OVA. Then both: media, VRDP, the communicator's NAT port
 * forward, the template's vboxmanage commands, start, boot command, SSH, version file and guest
 * additions, provisioners, shutdown, devices removed, vboxmanage_post, export to OVF/OVA. The VM
 * is unregistered and deleted at the end (unless keep_registered), so the output directory holds
 * the exported machine.
 */
import path from "node:path";
import { schema as isoSchema, type Config as IsoConfig } from "../../../shared/components/builders/virtualbox-iso.js";
import { schema as ovfSchema, type Config as OvfConfig } from "../../../shared/components/builders/virtualbox-ovf.js";
import type { VirtualBoxCommonConfig } from "../../../shared/components/builders/virtualbox-common.js";
import type { Artifact } from "../../runner/artifact.js";
import { StepList } from "../../runner/steps.js";
import { loopbackInstallerHttp } from "../common/http-server.js";
import { stepCdFiles, type CdReady } from "../common/step-cd-files.js";
import { stepConnect, stepProvision } from "../common/step-connect.js";
import { stepDownloadIso } from "../common/step-download-iso.js";
import { listFiles } from "../common/list-files.js";
import { stepFloppy, type FloppyReady } from "../common/step-floppy.js";
import { stepHttpServer, type HttpServerReady } from "../common/step-http-server.js";
import { stepMarkSucceeded, stepOutputDir, type OutputDirReady } from "../common/step-output-dir.js";
import type { BuilderContext, BuilderPlugin } from "../types.js";
import { probeVirtualBoxHost } from "./host-probe.js";
import { reapVirtualBoxVms } from "./reap-vms.js";
import { stepAttachMedia } from "./step-attach-media.js";
import { stepBootCommand } from "./step-boot-command.js";
import { stepCreateDisk } from "./step-create-disk.js";
import { stepCreateVm } from "./step-create-vm.js";
import { stepDriver } from "./step-driver.js";
import { stepExport } from "./step-export.js";
import { stepDownloadGuestAdditions, stepUploadGuestAdditions, stepUploadVersion, type GuestAdditionsReady } from "./step-guest-additions.js";
import { stepImport } from "./step-import.js";
import { stepPortForward } from "./step-port-forward.js";
import { stepRemoveDevices } from "./step-remove-devices.js";
import { stepShutdown } from "./step-shutdown.js";
import { stepStartVm } from "./step-start-vm.js";
import { stepVBoxManage } from "./step-vboxmanage.js";
import { stepVrdp } from "./step-vrdp.js";
import { stepWaitSshd } from "./step-wait-sshd.js";
import type { BuildOutcome, DriverReady, PortForwardReady, VmReady } from "./state.js";
import type { SshdAnswered } from "./step-wait-sshd.js";

/** Packer's builder id for VirtualBox artifacts. */
export const BUILDER_ID = "mitchellh.virtualbox";

/** The host as VirtualBox's NAT shows it to the guest (Packer's StepHTTPIPDiscover). */
const GUEST_HOST_IP = "10.0.2.2";

export const isoPlugin: BuilderPlugin<IsoConfig> = {
  schema: isoSchema,
  hostProbe: probeVirtualBoxHost,
  leftoverReaper: reapVirtualBoxVms,
  async run(ctx, config) {
    const outcome: BuildOutcome = { succeeded: false };
    const prepared = StepList.start<object>()
      .then(stepDriver())
      .then(stepDownloadGuestAdditions(config))
      .then(stepDownloadIso(config))
      .then(stepOutputDir(config.outputDirectory, ctx.force, outcome))
      .then(stepFloppy(config))
      .then(stepCdFiles(config))
      .then(stepHttpServer(loopbackInstallerHttp(config.http, ctx.workDir), GUEST_HOST_IP))
      .then(stepCreateVm(config, outcome))
      .then(stepCreateDisk(config));
    let bootIso = "";
    const steps = withVm(
      prepared.then({
        name: "boot iso",
        async run(_ctx, s: { isoPath: string }) {
          bootIso = s.isoPath;
          return {};
        },
      }),
      ctx, config, outcome, { bootIso: () => bootIso, isoInterface: config.isoInterface, guestAdditionsInterface: config.guestAdditions.interface, bundleIso: config.bundleIso },
    );
    await steps.run(ctx, {}, { pause: ctx.pause, keepOnError: ctx.keepOnError });
    return artifactOf(ctx, config);
  },
};

export const ovfPlugin: BuilderPlugin<OvfConfig> = {
  schema: ovfSchema,
  hostProbe: probeVirtualBoxHost,
  leftoverReaper: reapVirtualBoxVms,
  async run(ctx, config) {
    const outcome: BuildOutcome = { succeeded: false };
    const prepared = StepList.start<object>()
      .then(stepDriver())
      .then(stepOutputDir(config.outputDirectory, ctx.force, outcome))
      .then(stepFloppy(config))
      .then(stepCdFiles(config))
      .then(stepHttpServer(loopbackInstallerHttp(config.http, ctx.workDir), GUEST_HOST_IP))
      .then(stepDownloadGuestAdditions(config))
      .then(stepDownloadIso({ iso: { isoUrls: [config.sourcePath], isoChecksum: config.checksum, isoTargetPath: config.targetPath, isoTargetExtension: "ova" }, what: "OVF/OVA" }))
      .then(stepImport(config, outcome));
    const steps = withVm(prepared, ctx, config, outcome, { isoInterface: "ide", guestAdditionsInterface: config.guestAdditions.interface, bundleIso: false });
    await steps.run(ctx, {}, { pause: ctx.pause, keepOnError: ctx.keepOnError });
    return artifactOf(ctx, config);
  },
};

/** What both builders have once their VM is registered. */
type VmPrepared = DriverReady & VmReady & OutputDirReady & HttpServerReady & CdReady & FloppyReady & GuestAdditionsReady;

/** The steps both builders share once their VM is registered. */
function withVm(
  list: StepList<VmPrepared>,
  ctx: BuilderContext,
  config: VirtualBoxCommonConfig,
  outcome: BuildOutcome,
  media: { bootIso?: () => string; isoInterface: "ide" | "sata"; guestAdditionsInterface: string; bundleIso: boolean },
) {
  return list
    .then(stepAttachMedia(media))
    .then(stepVrdp(config))
    .then(stepPortForward(config))
    .then(stepVBoxManage(config.vboxManage, "vboxmanage"))
    .then(stepStartVm(config, outcome))
    .then(stepBootCommand(config.boot))
    .then(stepWaitSshd(config))
    .then(stepConnect(config.communicator, (s: PortForwardReady & SshdAnswered) => ({
      host: config.communicator.type === "ssh" ? config.communicator.ssh.host : "127.0.0.1",
      port: s.commHostPort,
      sock: s.sshdSocket,
    })))
    .then(stepUploadVersion(config))
    .then(stepUploadGuestAdditions(config))
    .then(stepProvision(ctx.provision))
    .then(stepShutdown(config, outcome))
    .then(stepRemoveDevices(media.bundleIso))
    .then(stepVBoxManage(config.vboxManagePost, "vboxmanage_post"))
    .then(stepExport(config))
    .then(stepMarkSucceeded(outcome));
}

/** Packer's NewArtifact: every file left in the output directory once the VM is gone. */
async function artifactOf(ctx: BuilderContext, config: VirtualBoxCommonConfig): Promise<Artifact> {
  const outputDir = path.resolve(ctx.workDir, config.outputDirectory);
  const files = await listFiles(outputDir);
  return {
    builderId: BUILDER_ID,
    id: "VM",
    files,
    description: `VM files in directory: ${path.relative(ctx.workDir, outputDir) || outputDir}`,
    state: {},
  } satisfies Artifact;
}
