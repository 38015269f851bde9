/**
 * Packer's stepRun: starts QEMU on the build's disk with the SSH forward, VNC and a QMP socket.
 * Waits until QMP answers (QEMU really started, or its error is reported), then `boot_wait` when
 * there is a boot_command to type. Cleanup kills QEMU if it still runs (failure, cancel).
 */
import { errorMessage } from "../../../shared/error-message.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Config } from "../../../shared/components/builders/qemu.js";
import type { RunContext } from "../../runner/context.js";
import type { Step } from "../../runner/steps.js";
import type { HttpServerReady } from "../common/step-http-server.js";
import { chooseAccelerator } from "./accelerator.js";
import { parseBootCommands, renderBootCommands, resolveKeyIntervalMs, typeBootActions } from "../common/boot-command/index.js";
import { QmpClient } from "./qmp.js";
import { qemuArgs } from "./qemu-args.js";
import { startQemu, type QemuProcess } from "./qemu-process.js";
import { qmpExecute } from "./qmp-command.js";
import { discard, type WarmSnapshot } from "../common/warm/index.js";
import type { CdReady } from "../common/step-cd-files.js";
import type { DiskReady } from "./step-create-disk.js";
import type { IsoReady } from "../common/step-download-iso.js";
import type { FloppyReady } from "../common/step-floppy.js";
import type { PortsReady } from "./step-host-ports.js";
import type { OutputDirReady } from "../common/step-output-dir.js";
import type { WarmReady } from "./warm/step-warm-plan.js";

export interface QemuRunning {
  qemu: QemuProcess;
  qmpSocket: string;
  accel: string;
}

export function stepRunQemu(config: Config): Step<IsoReady & FloppyReady & CdReady & OutputDirReady & DiskReady & PortsReady & HttpServerReady & WarmReady, QemuRunning> {
  const pending: { qemu?: QemuProcess; socketDir?: string } = {};
  return {
    name: "run qemu",
    async run(ctx, state) {
      const choice = await chooseAccelerator(config.accelerator);
      if (choice.warning) ctx.ui.error(choice.warning);
      // In the build's scratch folder (reaped with an agent's job folder after a crash) when the
      // path fits a unix socket's 107 bytes, else a short folder of its own in the system temp.
      const fits = path.join(ctx.scratchDir, "kiln-qmp-XXXXXX", "qmp.sock").length <= 107;
      pending.socketDir = await mkdtemp(path.join(fits ? ctx.scratchDir : tmpdir(), "kiln-qmp-"));
      const qmpSocket = path.join(pending.socketDir, "qmp.sock");
      const args = qemuArgs(
        config,
        {
          accel: choice.accel, diskPath: state.diskPath, sshHostPort: state.sshHostPort, vncPort: state.vncPort, qmpSocket,
          serialLog: path.join(ctx.scratchDir, "serial.log"), outputDir: state.outputDir, httpIp: state.httpIp, httpPort: state.httpPort,
          additionalDiskPaths: state.additionalDiskPaths,
          cdPaths: [...(config.diskImage ? [] : [state.isoPath]), ...(state.cdPath ? [state.cdPath] : [])],
          floppyPath: state.floppyPath,
        },
        ctx.prepare.interpolation,
      );
      const { warm } = state;
      // The saved guest comes back through QEMU's incoming migration; the path is ours (a hex key).
      if (warm.mode === "restore") args.push("-incoming", `exec:cat '${warm.snapshot.statePath}'`);
      // A VM generation ID (the device Hyper-V, Firecracker and QEMU share) changes on every
      // restore, so a guest kernel built with it reseeds its random generator by itself.
      if (warm.mode !== "off" && wantsVmGenId(config.machineType, args)) args.push("-device", "vmgenid,guid=auto");
      ctx.ui.say(warm.mode === "restore" ? "Starting VM, restoring the warm snapshot" : config.diskImage ? "Starting VM, booting disk image" : "Starting VM, booting from CD-ROM");
      ctx.ui.message(`Qemu command: ${config.qemuBinary} ${args.join(" ")}`);
      const qemu = startQemu(config.qemuBinary, args);
      pending.qemu = qemu;
      // Cancel stops the VM at once: a command running over SSH then fails instead of keeping
      // the build (and its cleanups) waiting for it to end.
      const onAbort = (): void => void qemu.kill();
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      void qemu.exited.then(() => ctx.signal.removeEventListener("abort", onAbort));
      await waitForQmp(qemu, qmpSocket, ctx.signal, config.qemuBinary);
      if (warm.mode === "restore") await resumeRestoredGuest(qemu, qmpSocket, ctx.signal, warm.snapshot);
      if (config.boot.bootCommand.length > 0 && config.boot.bootWaitMs > 0) {
        ctx.ui.say(`Waiting ${config.boot.bootWaitMs / 1000}s for boot...`);
        await sleep(config.boot.bootWaitMs, undefined, { signal: ctx.signal });
      }
      if (config.boot.bootCommand.length > 0) await typeBootCommand(ctx, config, qmpSocket, state);
      return { qemu, qmpSocket, accel: choice.accel };
    },
    async cleanup(ctx) {
      const { qemu, socketDir } = pending;
      pending.qemu = undefined;
      if (qemu?.isRunning()) {
        ctx.ui.say("Stopping the VM (killing QEMU)...");
        await qemu.kill();
      }
      if (socketDir) await rm(socketDir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits for the incoming migration to load the saved state (QEMU's status leaves "inmigrate"),
 * then continues the guest, which was paused when it was saved. A snapshot QEMU cannot load is
 * removed, so the next -warm build saves a new one.
 */
async function resumeRestoredGuest(qemu: QemuProcess, socket: string, signal: AbortSignal, snapshot: WarmSnapshot): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (!qemu.isRunning()) {
      await discard(snapshot);
      throw new Error(`QEMU could not restore the warm snapshot (removed; the next -warm build boots cold and saves a new one): ${qemu.stderr() || "no error output"}`);
    }
    const status = ((await qmpExecute(socket, "query-status").catch(() => ({}))) as { status?: string }).status;
    if (status && status !== "inmigrate") break;
    if (Date.now() > deadline) throw new Error("QEMU did not finish loading the warm snapshot within 120s");
    await sleep(50, undefined, { signal });
  }
  await qmpExecute(socket, "cont");
}

/** QEMU is up once its QMP socket answers; if it exits first, its stderr says why. */
async function waitForQmp(qemu: QemuProcess, socket: string, signal: AbortSignal, binary: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!qemu.isRunning()) throw new Error(`${binary} exited at start: ${qemu.stderr() || "no error output"}`);
    try {
      await qmpExecute(socket, "query-status", undefined, 5_000);
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${binary} started but its QMP socket never answered: ${errorMessage(e)}`);
    }
    await sleep(100, undefined, { signal });
  }
}

/** Packer's stepTypeBootCommand, over QMP input-send-event (see boot-command/type.ts for why). */
async function typeBootCommand(ctx: RunContext, config: Config, qmpSocket: string, state: HttpServerReady): Promise<void> {
  const rendered = renderBootCommands(config.boot.bootCommand, ctx.prepare.interpolation, { HTTPIP: state.httpIp, HTTPPort: state.httpPort, Name: config.vmName });
  const plan = parseBootCommands(rendered, config.boot.bootKeyGroupIntervalMs);
  for (const warning of plan.warnings) ctx.ui.error(`boot_command: ${warning}`);
  ctx.ui.say("Typing the boot command...");
  const qmp = await QmpClient.connect(qmpSocket, { signal: ctx.signal });
  try {
    await typeBootActions(qmp, plan.actions, { keyIntervalMs: resolveKeyIntervalMs(config.boot.bootKeyIntervalMs), signal: ctx.signal });
  } finally {
    qmp.close();
  }
}

/** vmgenid lives in ACPI: only on the pc and q35 machines, and once (a template may add its own). */
function wantsVmGenId(machineType: string, args: readonly string[]): boolean {
  return /^(pc|q35)/.test(machineType) && !args.some((a) => a.includes("vmgenid"));
}
