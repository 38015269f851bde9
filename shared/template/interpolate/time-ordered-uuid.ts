// Packer's `{{uuid}}`: a UUID-shaped string whose first 8 bytes are the current time in Unix
// nanoseconds (so values sort by creation time) and whose last 8 bytes are random.
import { randomBytes } from "node:crypto";

export function timeOrderedUuid(now: Date = new Date()): string {
  const bytes = Buffer.alloc(16);
  bytes.writeBigUInt64BE(BigInt(now.getTime()) * 1_000_000n + process.hrtime.bigint() % 1_000_000n, 0);
  randomBytes(8).copy(bytes, 8);
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
