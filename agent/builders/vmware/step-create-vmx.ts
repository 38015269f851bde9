/**
 * vmware-iso's stepCreateVMX: Packer's default .vmx (or vmx_template_path), rendered with the
 * VM's name, guest OS, hardware version, CPUs and memory, the disk and boot CD-ROM buses
 * (disk-cdrom-types.ts), the network (a netmap.conf name, else a custom vmnet device), the
 * network adapter (e1000 unless network_adapter_type), sound, USB, serial and parallel ports,
 * plus one block per additional disk. The boot CD-ROM is a temporary device: StepCleanVMX
 * detaches it at the end.
 */
import { errorMessage } from "../../../shared/error-message.js";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../../../shared/components/builders/vmware-iso.js";
import { DEFAULT_ADDITIONAL_DISK_TEMPLATE, DEFAULT_VMX_TEMPLATE } from "../../../shared/components/builders/vmware-vmx-template.js";
import { render, type InterpolationContext } from "../../../shared/template/interpolate/index.js";
import type { Step } from "../../runner/steps.js";
import type { IsoReady } from "../common/step-download-iso.js";
import type { OutputDirReady } from "../common/step-output-dir.js";
import { diskAndCdromTypes } from "./disk-cdrom-types.js";
import { parallelFields, serialFields } from "./serial-parallel.js";
import { additionalDiskNumbers, type DisksCreated } from "./step-create-disks.js";
import type { DriverReady, VmxReady } from "./state.js";
import { devicesOfNetwork } from "./network-files.js";
import { parseVmx, writeVmx, type VmxData } from "./vmx-file.js";

const bool = (b: boolean): string => (b ? "TRUE" : "FALSE");

/** Renders the .vmx text of vmware-iso (exported for tests: no files, no driver). */
export function renderIsoVmx(config: Config, isoPath: string, network: { type: string; device: string }, templates: { vmx: string; disk: string }, ictx: InterpolationContext): VmxData {
  let template = templates.vmx;
  for (const n of additionalDiskNumbers(config.disk.additionalSizesMb.length)) {
    template += renderWith(templates.disk, ictx, { DiskNumber: n, DiskName: config.disk.name }, "Error preparing VMX template for additional disk");
  }
  const { hardware } = config;
  const data = {
    Name: config.vmName,
    GuestOS: config.guestOsType,
    ISOPath: isoPath,
    Version: config.version,
    CpuCount: hardware.cpus > 0 ? String(hardware.cpus) : "",
    MemorySize: hardware.memoryMb > 0 ? String(hardware.memoryMb) : "512",
    DiskName: config.disk.name,
    ...diskAndCdromTypes(config.disk.adapterType, config.cdromAdapterType),
    Network_Type: network.type,
    Network_Device: network.device,
    Network_Adapter: hardware.networkAdapterType.toLowerCase() || "e1000",
    Network_Name: hardware.networkName,
    Sound_Present: bool(hardware.sound),
    Usb_Present: bool(hardware.usb),
    ...fields(() => serialFields(hardware.serial)),
    ...fields(() => parallelFields(hardware.parallel)),
  };
  const vmx = parseVmx(renderWith(template, ictx, data, "Error processing VMX template"));
  // An empty numvcpus lets VMware pick its default; cores only when asked for.
  if (vmx.get("numvcpus") === "") vmx.delete("numvcpus");
  if (hardware.cores > 0) vmx.set("cpuid.corespersocket", String(hardware.cores));
  return vmx;
}

function fields<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new Error(`Error processing VMX template: ${errorMessage(e)}`);
  }
}

function renderWith(template: string, ictx: InterpolationContext, data: Record<string, unknown>, what: string): string {
  try {
    return render(template, { ...ictx, data: { ...ictx.data, ...data } });
  } catch (e) {
    throw new Error(`${what}: ${errorMessage(e)}`);
  }
}

export function stepCreateVmx(config: Config): Step<DriverReady & OutputDirReady & IsoReady & DisksCreated, VmxReady> {
  return {
    name: "create vmx",
    async run(ctx, { vmware, outputDir, isoPath, createdDisks }) {
      ctx.ui.say("Building and writing VMX file");
      const templates = {
        vmx: config.vmxTemplatePath ? await readTemplate(config.vmxTemplatePath, "Error reading VMX template") : DEFAULT_VMX_TEMPLATE,
        disk: config.vmxDiskTemplatePath ? await readTemplate(config.vmxDiskTemplatePath, "Error reading VMX disk template") : DEFAULT_ADDITIONAL_DISK_TEMPLATE,
      };
      // A network netmap.conf names is left for VMware to map; anything else is a vmnet device of its own.
      const network = config.hardware.network;
      const known = devicesOfNetwork(await vmware.networkMap(), network).length > 0;
      const vmxNetwork = known ? { type: network, device: "" } : { type: "custom", device: network };
      const vmx = renderIsoVmx(config, path.resolve(ctx.workDir, isoPath), vmxNetwork, templates, ctx.prepare.interpolation);
      const vmxPath = path.join(outputDir, `${config.vmName}.vmx`);
      await writeVmx(vmxPath, vmx).catch((e: unknown) => {
        throw new Error(`Error creating VMX file: ${errorMessage(e)}`);
      });
      const cd = diskAndCdromTypes(config.disk.adapterType, config.cdromAdapterType);
      return { vmxPath, network, diskPaths: createdDisks, temporaryDevices: [`${cd.CDROMType}0:${cd.CDROMType_PrimarySecondary}`] };
    },
  };
}

async function readTemplate(file: string, what: string): Promise<string> {
  return readFile(file, "utf8").catch((e: unknown) => {
    throw new Error(`${what}: ${errorMessage(e)}`);
  });
}
