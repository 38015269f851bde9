/**
 * Kiln's stand-in for the `vmware` program, which packer only finds on PATH: `vmware -v` prints
 * the version; anything else would open Workstation's window, which the stand-in has not.
 */
import { NOT_IMPLEMENTED, StandInError, WORKSTATION_BANNER, runMain } from "./product.js";

runMain(async (args) => {
  if (args.length === 1 && (args[0] === "-v" || args[0] === "--version")) return void process.stdout.write(`${WORKSTATION_BANNER}\n`);
  throw new StandInError(`the Workstation GUI ${NOT_IMPLEMENTED}; use vmrun`);
});
