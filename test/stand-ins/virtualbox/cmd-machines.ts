/** Machine registry commands: createvm, registervm, unregistervm, list, setproperty, extra data. */
import { existsSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { type ArgReader } from "./args.js";
import { machineLocked, notImplemented, VBoxManageError } from "./errors.js";
import { newMachine } from "./machine.js";
import { OS_TYPES, osType } from "./ostypes.js";
import { runtimeFiles } from "./runtime-files.js";
import { isActive, machineState } from "./session.js";
import { defaultMachineFolder, findMachine, loadGlobal, loadMachine, registeredMachines, saveGlobal, saveMachine, settingsFileFor, type RegisteredMachine } from "./store.js";

const say = (line: string) => process.stdout.write(line + "\n");

export async function createvm(r: ArgReader): Promise<void> {
  let name: string | undefined;
  let os = "Other";
  let register = false;
  let baseFolder: string | undefined;
  let uuid: string | undefined;
  let groups: string[] | undefined;
  for (let opt; (opt = r.option()); ) {
    switch (opt.name) {
      case "--name": name = r.value(opt); break;
      case "--ostype": case "--os-type": os = r.value(opt); break;
      case "--register": register = true; break;
      case "--basefolder": case "--base-folder": baseFolder = resolve(r.value(opt)); break;
      case "--uuid": uuid = r.value(opt).replace(/^\{(.*)\}$/, "$1"); break;
      case "--groups": groups = r.value(opt).split(","); break;
      default: throw r.unknown(opt);
    }
  }
  if (!r.done) throw notImplemented(`createvm: unexpected argument '${r.peek()}'`);
  if (!name) throw new VBoxManageError("createvm: parameter --name is required");
  const g = loadGlobal();
  const settingsFile = settingsFileFor(baseFolder ?? defaultMachineFolder(g), name);
  if (existsSync(settingsFile)) {
    throw new VBoxManageError(`Machine settings file '${settingsFile}' already exists`, "code VBOX_E_FILE_ERROR (0x80bb0004), component MachineWrap, interface IMachine");
  }
  if (register && registeredMachines(g).some((m) => m.machine.name === name)) {
    throw new VBoxManageError(`A machine named '${name}' already exists`, "code VBOX_E_OBJECT_IN_USE (0x80bb000c)");
  }
  const m = newMachine(name, osType(os).id, uuid);
  if (groups) m.groups = groups;
  saveMachine(settingsFile, m);
  if (register) {
    g.machines.push(settingsFile);
    saveGlobal(g);
  }
  say(`Virtual machine '${name}' is created${register ? " and registered" : ""}.`);
  say(`UUID: ${m.uuid}`);
  say(`Settings file: '${settingsFile}'`);
}

export async function registervm(r: ArgReader): Promise<void> {
  const file = resolve(r.positional("the settings file"));
  if (!r.done) throw notImplemented(`registervm ${r.peek()}`);
  if (!existsSync(file)) throw new VBoxManageError(`Could not find file for the machine '${file}'`);
  const m = loadMachine(file);
  const g = loadGlobal();
  if (registeredMachines(g).some((x) => x.machine.uuid === m.uuid || x.machine.name === m.name)) {
    throw new VBoxManageError(`Cannot register the machine '${m.name}' because a machine with that name or UUID is already registered`, "code VBOX_E_OBJECT_IN_USE (0x80bb000c)");
  }
  g.machines.push(file);
  saveGlobal(g);
}

export async function unregistervm(r: ArgReader): Promise<void> {
  const key = r.positional("a VM name or UUID");
  let del = false;
  let delAll = false;
  for (let opt; (opt = r.option()); ) {
    if (opt.name === "--delete") del = true;
    else if (opt.name === "--delete-all") delAll = true;
    else throw r.unknown(opt);
  }
  const g = loadGlobal();
  const rm = findMachine(g, key);
  const files = runtimeFiles(rm.folder, rm.machine.name);
  if (isActive(machineState(files, rm.machine.uuid))) {
    throw new VBoxManageError(`Cannot unregister the machine '${rm.machine.name}' while it is locked`, "code VBOX_E_INVALID_OBJECT_STATE (0x80bb0007), component MachineWrap, interface IMachine");
  }
  g.machines = g.machines.filter((f) => f !== rm.settingsFile);
  if (del || delAll) {
    // --delete removes the hard disk images (and their registry entries), --delete-all also DVD/floppy images.
    const media = rm.machine.controllers.flatMap((c) => c.attachments).filter((a) => a.medium && (a.type === "hdd" || delAll)).map((a) => a.medium!);
    const others = registeredMachines(g).flatMap((x) => x.machine.controllers.flatMap((c) => c.attachments.map((a) => a.medium)));
    for (const path of media) {
      if (others.includes(path)) continue; // still attached to another machine: VirtualBox keeps it
      rmSync(path, { force: true });
      g.media = g.media.filter((md) => md.path !== path);
    }
    deleteMachineFiles(rm);
    process.stdout.write("0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n");
  }
  saveGlobal(g);
}

function deleteMachineFiles(rm: RegisteredMachine): void {
  const f = runtimeFiles(rm.folder, rm.machine.name);
  for (const p of [rm.settingsFile, f.session, f.poweroffRequested, f.qemuCommand, f.qmpSocket, f.qemuPidFile, f.nvram]) rmSync(p, { force: true });
  rmSync(f.logs, { recursive: true, force: true });
  // VirtualBox removes the machine folder only when nothing else is left in it.
  if (existsSync(rm.folder) && readdirSync(rm.folder).length === 0) rmdirSync(rm.folder);
}

export async function list(r: ArgReader): Promise<void> {
  let what: string | undefined;
  for (;;) {
    const opt = r.option();
    if (opt) {
      throw notImplemented(`list ${opt.name}`);
    }
    if (r.done) break;
    what = r.positional("what to list");
  }
  const g = loadGlobal();
  switch (what) {
    case "vms":
    case "runningvms":
      for (const m of registeredMachines(g)) {
        if (what === "runningvms" && machineState(runtimeFiles(m.folder, m.machine.name), m.machine.uuid) !== "running") continue;
        say(`"${m.machine.name}" {${m.machine.uuid}}`);
      }
      return;
    case "systemproperties":
      say(`API version:                     7_0`);
      say(`Minimum guest RAM size:          4 Megabytes`);
      say(`Maximum guest RAM size:          2097152 Megabytes`);
      say(`Maximum guest CPU count:         64`);
      say(`Default machine folder:          ${defaultMachineFolder(g)}`);
      say(`Default hard disk format:        VDI`);
      say(`Default VRDE ext pack:           `);
      return;
    case "ostypes":
      for (const t of OS_TYPES) {
        say(`ID:          ${t.id}`);
        say(`Description: ${t.description}`);
        say(`Family ID:   ${t.family}`);
        say(`64 bit:      ${t.is64}`);
        say("");
      }
      return;
    case "hdds":
    case "dvds":
    case "floppies": {
      const type = what === "hdds" ? "hdd" : what === "dvds" ? "dvddrive" : "fdd";
      for (const md of g.media.filter((x) => x.deviceType === type)) {
        say(`UUID:           ${md.uuid}`);
        say(`State:          ${existsSync(md.path) ? "created" : "inaccessible"}`);
        say(`Location:       ${md.path}`);
        say(`Storage format: ${md.format}`);
        say("");
      }
      return;
    }
    case "extpacks":
      say("Extension Packs: 0");
      return;
    case undefined:
      throw new VBoxManageError("list: missing what to list");
    default:
      throw notImplemented(`list ${what}`);
  }
}

export async function setproperty(r: ArgReader): Promise<void> {
  const prop = r.positional("a property name");
  const value = r.positional("a value");
  if (!r.done) throw notImplemented(`setproperty: unexpected argument '${r.peek()}'`);
  const g = loadGlobal();
  if (prop === "machinefolder") g.machineFolder = value === "default" ? undefined : resolve(value);
  else throw notImplemented(`setproperty ${prop}`);
  saveGlobal(g);
}

export async function setextradata(r: ArgReader): Promise<void> {
  const target = r.positional("global or a VM");
  const key = r.positional("a key");
  const value = r.done ? undefined : r.positional("a value");
  if (!r.done) throw notImplemented(`setextradata: unexpected argument '${r.peek()}'`);
  const g = loadGlobal();
  const set = (data: Record<string, string>) => {
    if (value === undefined || value === "") delete data[key];
    else data[key] = value;
  };
  if (target === "global") {
    set(g.extraData);
    saveGlobal(g);
    return;
  }
  const rm = findMachine(g, target);
  set(rm.machine.extraData);
  saveMachine(rm.settingsFile, rm.machine);
}

export async function getextradata(r: ArgReader): Promise<void> {
  const target = r.positional("global or a VM");
  const key = r.positional("a key or enumerate");
  if (!r.done) throw notImplemented(`getextradata: unexpected argument '${r.peek()}'`);
  const g = loadGlobal();
  const data = target === "global" ? g.extraData : findMachine(g, target).machine.extraData;
  if (key === "enumerate") {
    for (const [k, v] of Object.entries(data)) say(`Key: ${k}, Value: ${v}`);
  } else if (key in data) say(`Value: ${data[key]}`);
  else say("No value set!");
}

/** No guest additions run in the guest, so no guest properties are ever set. */
export async function guestproperty(r: ArgReader): Promise<void> {
  const sub = r.positional("a subcommand");
  const vm = r.positional("a VM");
  findMachine(loadGlobal(), vm);
  if (sub === "get") {
    r.positional("a property name");
    for (let opt; (opt = r.option()); ) if (opt.name !== "--verbose") throw r.unknown(opt);
    if (!r.done) throw notImplemented(`guestproperty get: unexpected argument '${r.peek()}'`);
    say("No value set!");
  } else if (sub === "enumerate") {
    for (let opt; (opt = r.option()); ) {
      if (opt.name === "--patterns") r.value(opt);
      else if (!["--no-timestamp", "--no-flags", "--relative", "--old-format"].includes(opt.name)) throw r.unknown(opt);
    }
    if (!r.done) r.rest(); // patterns: nothing can match an empty set
  } else throw notImplemented(`guestproperty ${sub}`);
}

/** Shared folders are recorded only: without guest additions the guest cannot mount them. */
export async function sharedfolder(r: ArgReader): Promise<void> {
  const sub = r.positional("add or remove");
  const g = loadGlobal();
  const rm = findMachine(g, r.positional("a VM"));
  let name: string | undefined;
  let hostPath: string | undefined;
  let readonly = false;
  let automount = false;
  let autoMountPoint = "";
  for (let opt; (opt = r.option()); ) {
    switch (opt.name) {
      case "--name": name = r.value(opt); break;
      case "--hostpath": case "--host-path": hostPath = resolve(r.value(opt)); break;
      case "--readonly": readonly = true; break;
      case "--automount": case "--auto-mount": automount = true; break;
      case "--auto-mount-point": autoMountPoint = r.value(opt); break;
      case "--transient": throw notImplemented("sharedfolder --transient");
      default: throw r.unknown(opt);
    }
  }
  if (!name) throw new VBoxManageError("sharedfolder: parameter --name is required");
  const folders = rm.machine.sharedFolders;
  if (sub === "add") {
    if (!hostPath) throw new VBoxManageError("sharedfolder add: parameter --hostpath is required");
    if (folders.some((f) => f.name === name)) throw new VBoxManageError(`Shared folder named '${name}' already exists`, "code VBOX_E_OBJECT_IN_USE (0x80bb000c)");
    folders.push({ name, hostPath, readonly, automount, autoMountPoint });
  } else if (sub === "remove") {
    const i = folders.findIndex((f) => f.name === name);
    if (i < 0) throw new VBoxManageError(`Could not find a shared folder named '${name}'.`, "code VBOX_E_OBJECT_NOT_FOUND (0x80bb0001)");
    folders.splice(i, 1);
  } else throw notImplemented(`sharedfolder ${sub}`);
  saveMachine(rm.settingsFile, rm.machine);
}

/** Refuses a settings change while the machine runs, as VirtualBox does (its session holds the lock). */
export function assertNotRunning(rm: RegisteredMachine): void {
  if (isActive(machineState(runtimeFiles(rm.folder, rm.machine.name), rm.machine.uuid))) throw machineLocked(rm.machine.name);
}

