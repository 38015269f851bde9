// Public face of boot_command support: render, parse, then type through QMP.
export { parseBootCommand, parseBootCommands, BootCommandError, type BootAction, type BootCommandPlan } from "../../../../shared/components/vm-config/boot-command/parse.js";
export { renderBootCommands, type BootCommandData } from "./render.js";
export { typeBootActions, resolveKeyIntervalMs, DEFAULT_KEY_INTERVAL_MS, type QmpCommandSink, type TypeOptions } from "./type.js";
