/** Protobuf's base-128 varints, for the responses the controller writes itself (artifact-chunk-wire, build-output-wire). */

export function varintLength(n: number): number {
  let length = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    length++;
  }
  return length;
}

/** Writes `n` at `at`, returns where the next field starts. Division, not bit shifts: sizes above 2^31 (a disk image) are beyond JavaScript's 32-bit shifts. */
export function writeVarint(out: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[at++] = n;
  return at;
}
