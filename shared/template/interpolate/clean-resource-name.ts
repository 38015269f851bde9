// The amazon builders' `clean_resource_name` (and its older name `clean_ami_name`): Packer's
// core does not define it; a component that wants it adds it through the context's `funcs`.

const AMI_NAME_EXTRA_CHARS = new Set("()[] ./-'@_");

function isAsciiAlphanumeric(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
}

/**
 * Replaces every byte an AMI name may not contain with "-". Works on UTF-8 bytes as Packer's
 * does, so a non-ASCII character becomes one "-" per byte.
 */
export function cleanResourceName(name: string): string {
  const bytes = Buffer.from(name, "utf8");
  const cleaned = [...bytes].map((byte) =>
    isAsciiAlphanumeric(byte) || AMI_NAME_EXTRA_CHARS.has(String.fromCharCode(byte)) ? byte : 0x2d,
  );
  return Buffer.from(cleaned).toString("latin1");
}
