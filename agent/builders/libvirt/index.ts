/**
 * The `libvirt` builder (the community Packer plugin thomasklein94/libvirt's options), built
 * through libvirtd with its C API (binding/): define a domain carrying Kiln's ownership metadata,
 * make its volumes (overlay, clone, download, cloud-init seed, files ISO), start it with
 * autodestroy, forward the communicator's port (Kiln's `user` interface) or find the guest's
 * address, type the boot command, connect, provision, shut down gracefully; the artifact volume
 * stays in its pool. With -warm (warm/), a build restores the guest a first one saved when its
 * sshd answered, instead of booting. The domain is undefined and every other volume the build
 * made is deleted on success, failure, cancel and Ctrl-C; a restarted agent reaps what a crash
 * left (reap-domains.ts).
 */
import { schema, type Config } from "../../../shared/components/builders/libvirt.js";
import { StepList } from "../../runner/steps.js";
import { stepConnect, stepProvision, type Connected } from "../common/step-connect.js";
import type { BuilderPlugin } from "../types.js";
import { exportLibvirtArtifact } from "./export-artifact.js";
import { probeLibvirtHost } from "./host-probe.js";
import { reapLibvirtDomains } from "./reap-domains.js";
import { stepArtifact } from "./step-artifact.js";
import { stepBootCommand } from "./step-boot-command.js";
import { stepCommunicatorAddress, type CommunicatorAddress } from "./step-communicator-address.js";
import { stepCreateVolumes } from "./step-create-volumes.js";
import { stepDefineDomain } from "./step-define-domain.js";
import { stepForwardPort } from "./step-forward-port.js";
import { stepOpenConnection } from "./step-open-connection.js";
import { stepShutdownDomain } from "./step-shutdown-domain.js";
import { stepStartDomain } from "./step-start-domain.js";
import { stepWaitSshd, type SshdAnswered } from "./step-wait-sshd.js";
import { stepWarmFixups } from "../common/warm/index.js";
import { stepWarmCapture } from "./warm/step-warm-capture.js";
import { stepWarmDisk } from "./warm/step-warm-disk.js";
import { stepWarmPlan } from "./warm/step-warm-plan.js";
import { stepWarmResume } from "./warm/step-warm-resume.js";

export const plugin: BuilderPlugin<Config> = {
  schema,
  hostProbe: probeLibvirtHost,
  leftoverReaper: reapLibvirtDomains,
  prepareForExport: exportLibvirtArtifact,
  async run(ctx, config) {
    const outcome = { succeeded: false };
    const ssh = config.communicator.type === "ssh" ? config.communicator.ssh : undefined;
    const steps = StepList.start<object>()
      .then(stepOpenConnection(config))
      .then(stepWarmPlan(config, ctx.warm === true))
      .then(stepDefineDomain(config))
      .then(stepCreateVolumes(config, outcome))
      .then(stepWarmDisk())
      .then(stepStartDomain())
      .then(stepWarmResume())
      .then(stepForwardPort(config, ssh?.port ?? 0))
      .then(stepBootCommand(config))
      .then(stepCommunicatorAddress(config, { host: ssh?.host ?? "", port: ssh?.port ?? 22 }))
      .then(stepWaitSshd(ssh?.timeoutMs ?? 0, ssh !== undefined && !ssh.host))
      .then(stepWarmCapture())
      .then(stepConnect(config.communicator, (s: CommunicatorAddress & SshdAnswered) => ({ host: s.commHost, port: s.commPort, sock: s.sshdSocket })))
      .then(stepWarmFixups())
      .then(stepProvision<Connected & CommunicatorAddress>(ctx.provision))
      .then(stepShutdownDomain(config))
      .then(stepArtifact(config, outcome));
    const state = await steps.run(ctx, {}, { pause: ctx.pause, keepOnError: ctx.keepOnError });
    return state.artifact;
  },
};
