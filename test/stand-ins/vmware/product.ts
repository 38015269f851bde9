/**
 * What Kiln's VMware Workstation stand-in claims to be, and how its programs fail. The version is
 * a real Workstation release: packer's Workstation 10 driver requires `VMware Workstation (\d+)\.`
 * >= 10 in `vmware-vmx -v`.
 */
export const WORKSTATION_VERSION = "16.2.5";
export const WORKSTATION_BUILD = "20904516";
export const WORKSTATION_BANNER = `VMware Workstation ${WORKSTATION_VERSION} build-${WORKSTATION_BUILD}`;

/** Every refusal names the stand-in, so nobody mistakes it for a VMware limitation. */
export const NOT_IMPLEMENTED = "(not implemented by Kiln's vmrun stand-in)";

/** A failure reported to the caller as VMware's programs do: `Error: ...` and a non-zero exit. */
export class StandInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StandInError";
  }
}

/**
 * Runs a stand-in program's main: errors print as `Error: <message>` on stdout (where vmrun
 * writes them; packer reads stdout when stderr is empty) and exit 255, vmrun's error status.
 */
export function runMain(main: (args: string[]) => Promise<void>): void {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: unknown) => {
      const message = e instanceof StandInError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
      process.stdout.write(`Error: ${message}\n`);
      process.exit(255);
    },
  );
}
