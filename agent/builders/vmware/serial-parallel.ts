/**
 * The `serial` and `parallel` keys of vmware-iso (Packer's HWConfig.ReadSerial/ReadParallel):
 * `TYPE:options` strings turned into the serial0.* / parallel0.* values of the default .vmx.
 * Parsed when the .vmx is written, so a bad value fails the build with Packer's message.
 */
const DEFAULT_SERIAL_DEVICE = "/dev/ttyS0";

export interface SerialFields {
  Serial_Present: string;
  Serial_Type: string;
  Serial_Endpoint: string;
  Serial_Host: string;
  Serial_Yield: string;
  Serial_Filename: string;
  Serial_Auto: string;
}

export interface ParallelFields {
  Parallel_Present: string;
  Parallel_Bidirectional: string;
  Parallel_Filename: string;
  Parallel_Auto: string;
}

function split(value: string): [string, string] {
  const at = value.indexOf(":");
  return at < 0 ? [value, ""] : [value.slice(0, at), value.slice(at + 1)];
}

function yieldOf(value: string, what: string, serial: string): string {
  const y = value.toUpperCase();
  if (y !== "TRUE" && y !== "FALSE") throw new Error(`Unexpected format for yield in serial port ${what}: ${serial} -> ${y}`);
  return y;
}

export function serialFields(serial: string): SerialFields {
  const none: SerialFields = { Serial_Present: "FALSE", Serial_Type: "", Serial_Endpoint: "", Serial_Host: "", Serial_Yield: "", Serial_Filename: "", Serial_Auto: "FALSE" };
  const [type, options] = split(serial);
  const comp = options.split(",");
  const present = { ...none, Serial_Present: "TRUE" };
  switch (type.toUpperCase()) {
    case "PIPE": {
      if (comp.length < 3 || comp.length > 4) throw new Error(`Unexpected format for serial port pipe: ${serial}`);
      const endpoint = comp[1]!.toLowerCase();
      if (endpoint !== "client" && endpoint !== "server") throw new Error(`Unexpected format for endpoint in serial port pipe: ${serial} -> ${endpoint}`);
      const host = comp[2]!.toLowerCase();
      if (host !== "app" && host !== "vm") throw new Error(`Unexpected format for host in serial port pipe: ${serial} -> ${host}`);
      return { ...present, Serial_Type: "pipe", Serial_Endpoint: comp[1]!, Serial_Host: host === "app" ? "TRUE" : "FALSE", Serial_Yield: comp.length === 4 ? yieldOf(comp[3]!, "pipe", serial) : "FALSE", Serial_Filename: comp[0]! };
    }
    case "FILE":
      if (comp.length > 2) throw new Error(`Unexpected format for serial port file: ${serial}`);
      if (comp.length > 1) yieldOf(comp[1]!, "file", serial);
      return { ...present, Serial_Type: "file", Serial_Filename: comp[0]! };
    case "DEVICE":
      if (comp.length > 2) throw new Error(`Unexpected format for serial port device: ${serial}`);
      // As Packer: a lone device name is ignored (its parser drops it) and /dev/ttyS0 is used.
      return { ...present, Serial_Type: "device", Serial_Filename: comp.length === 2 ? comp[0]! : DEFAULT_SERIAL_DEVICE, Serial_Yield: comp.length === 2 ? yieldOf(comp[1]!, "device", serial) : "" };
    case "AUTO":
      return { ...present, Serial_Type: "device", Serial_Filename: DEFAULT_SERIAL_DEVICE, Serial_Yield: options.length > 0 ? yieldOf(options, "auto", serial) : "FALSE", Serial_Auto: "TRUE" };
    case "NONE":
      return none;
    default:
      throw new Error(`Unknown serial type ${type.toUpperCase()}: ${serial}`);
  }
}

/** AUTO takes an empty direction as UNI; DEVICE's explicit one must be BI or UNI. */
function direction(value: string, parallel: string, emptyIsUni = true): string {
  switch (value === "" && emptyIsUni ? "UNI" : value.toUpperCase()) {
    case "UNI":
      return "FALSE";
    case "BI":
      return "TRUE";
    default:
      throw new Error(`Unknown direction ${value.toUpperCase()} specified for parallel port: ${parallel}`);
  }
}

export function parallelFields(parallel: string): ParallelFields {
  const none: ParallelFields = { Parallel_Present: "FALSE", Parallel_Bidirectional: "", Parallel_Filename: "", Parallel_Auto: "FALSE" };
  const [type, options] = split(parallel);
  switch (type.toUpperCase()) {
    case "FILE":
      return { ...none, Parallel_Present: "TRUE", Parallel_Filename: options };
    case "DEVICE": {
      const comp = options.split(",");
      if (comp.length > 2) throw new Error(`Unexpected format for parallel port: ${parallel}`);
      return { ...none, Parallel_Present: "TRUE", Parallel_Filename: comp[0]!, Parallel_Bidirectional: comp.length > 1 ? direction(comp[1]!, parallel, false) : "FALSE" };
    }
    case "AUTO":
      return { ...none, Parallel_Present: "TRUE", Parallel_Auto: "TRUE", Parallel_Bidirectional: direction(options, parallel) };
    case "NONE":
      return none;
    default:
      throw new Error(`Unexpected format for parallel port: ${parallel}`);
  }
}
