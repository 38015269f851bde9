/**
 * Packer's `qemu` builder: fetch and verify the ISO (or the source disk with `disk_image: true`),
 * make the floppy and cd_files media, create the disk (empty for an ISO; a copy or an overlay of
 * a disk image), start QEMU with an SSH forward on a free loopback port, type the boot command,
 * connect, provision, shut down, compact. QEMU is killed, ports freed, media and the output
 * directory removed on failure and cancel.
 */
import path from "node:path";
import { schema, type Config } from "../../../shared/components/builders/qemu.js";
import type { Artifact } from "../../runner/artifact.js";
import { StepList } from "../../runner/steps.js";
import { stepConnect, stepProvision, type Connected } from "../common/step-connect.js";
import { stepHttpServer, type HttpServerReady } from "../common/step-http-server.js";
import { loopbackInstallerHttp } from "../common/http-server.js";
import type { BuilderPlugin } from "../types.js";
import { diskDigest } from "./disk-digest.js";
import { exportArtifact } from "./export-artifact.js";
import { probeQemuHost } from "./host-probe.js";
import { reapQemuVms } from "./reap-vms.js";
import { stepCdFiles } from "../common/step-cd-files.js";
import { stepConvertDisk } from "./step-convert-disk.js";
import { stepCreateDisk } from "./step-create-disk.js";
import { stepDownloadIso } from "../common/step-download-iso.js";
import { stepFloppy } from "../common/step-floppy.js";
import { stepHostPorts, type PortsReady } from "./step-host-ports.js";
import { stepOutputDir } from "../common/step-output-dir.js";
import { stepRunQemu } from "./step-run-qemu.js";
import { stepShutdown } from "./step-shutdown.js";
import { stepWaitSshd, type SshdAnswered } from "./step-wait-sshd.js";
import { stepWarmCapture } from "./warm/step-warm-capture.js";
import { stepWarmFixups } from "../common/warm/index.js";
import { stepWarmPlan } from "./warm/step-warm-plan.js";

/** Packer's builder id for qemu artifacts. */
export const BUILDER_ID = "transcend.qemu";

/** The host as QEMU's user-mode network shows it to the guest. */
const GUEST_HOST_IP = "10.0.2.2";

export const plugin: BuilderPlugin<Config> = {
  schema,
  prepareForExport: exportArtifact,
  hostProbe: probeQemuHost,
  leftoverReaper: reapQemuVms,
  async run(ctx, config) {
    const outcome = { succeeded: false };
    const steps = StepList.start<object>()
      .then(stepDownloadIso(config))
      .then(stepOutputDir(config.outputDirectory, ctx.force, outcome))
      .then(stepFloppy(config))
      .then(stepCdFiles(config))
      .then(stepWarmPlan(config, ctx.warm === true))
      .then(stepCreateDisk(config))
      .then(stepHttpServer(loopbackInstallerHttp(config.http, ctx.workDir), GUEST_HOST_IP))
      .then(stepHostPorts(config))
      .then(stepRunQemu(config))
      .then(stepWaitSshd(config.communicator.type === "ssh" ? config.communicator.ssh.timeoutMs : 0))
      .then(stepWarmCapture())
      .then(stepConnect(config.communicator, (s: PortsReady & SshdAnswered) => ({ host: "127.0.0.1", port: s.sshHostPort, sock: s.sshdSocket })))
      .then(stepWarmFixups())
      .then(stepProvision<Connected & PortsReady & HttpServerReady>(ctx.provision, (s) => ({ ...s.httpGenerated, SSHHostPort: String(s.sshHostPort) })))
      .then(stepShutdown(config))
      .then(stepConvertDisk(config))
      .then({
        name: "artifact",
        async run(_ctx, s: { diskPath: string }) {
          const digest = await diskDigest(s.diskPath);
          outcome.succeeded = true;
          return { digest };
        },
      });
    const state = await steps.run(ctx, {}, { pause: ctx.pause, keepOnError: ctx.keepOnError });
    return {
      builderId: BUILDER_ID,
      id: "VM",
      files: [state.diskPath, ...state.additionalDiskPaths],
      description: `VM files in directory: ${path.relative(ctx.workDir, state.outputDir) || state.outputDir}`,
      state: {
        diskType: config.format,
        diskSize: config.diskSize,
        domainType: state.accel,
        diskPath: state.diskPath,
        sizeBytes: state.digest.sizeBytes,
        sha256: state.digest.sha256,
        backingFile: config.useBackingFile,
        diskCompression: config.diskCompression,
      },
    } satisfies Artifact;
  },
};
