/**
 * The errors the VBoxManage stand-in reports. Each one is printed the way VBoxManage prints its
 * own (`VBoxManage: error: ...` on stderr, exit code 1), so a caller parsing real VBoxManage
 * output (packer matches "A NAT rule of this name already exists", retries on
 * VBOX_E_INVALID_OBJECT_STATE) sees the same text.
 */
export class VBoxManageError extends Error {
  constructor(message: string, readonly details?: string) {
    super(message);
    this.name = "VBoxManageError";
  }

  /** The stderr lines VBoxManage would print. */
  lines(): string[] {
    const out = [`VBoxManage: error: ${this.message}`];
    if (this.details) out.push(`VBoxManage: error: Details: ${this.details}`);
    return out;
  }
}

/** Something real VirtualBox may accept that this stand-in refuses rather than fake. */
export function notImplemented(what: string): VBoxManageError {
  return new VBoxManageError(`${what} (not implemented by Kiln's VBoxManage stand-in)`);
}

/** VirtualBox's answer when a machine is locked by a running session (packer retries on this code). */
export function machineLocked(name: string): VBoxManageError {
  return new VBoxManageError(
    `The machine '${name}' is already locked for a session (or being unlocked)`,
    "code VBOX_E_INVALID_OBJECT_STATE (0x80bb0007), component MachineWrap, interface IMachine",
  );
}

export function machineNotFound(nameOrUuid: string): VBoxManageError {
  return new VBoxManageError(
    `Could not find a registered machine named '${nameOrUuid}'`,
    "code VBOX_E_OBJECT_NOT_FOUND (0x80bb0001), component VirtualBoxWrap, interface IVirtualBox, callee nsISupports",
  );
}
