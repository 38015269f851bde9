/**
 * Tar headers in the GNU format Packer 1.6.6's compress writes (Go's archive/tar with
 * tar.FormatGNU, which Google's image import insists on): octal fields, "ustar  " magic, the
 * owner's user and group names, times zeroed, GNU long-name entries for paths over 100 bytes
 * and base-256 sizes past 8 GiB.
 */
import { readFileSync } from "node:fs";

const BLOCK = 512;

export interface TarEntry {
  name: string;
  /** Permission bits (with setuid, setgid and sticky). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
}

/** The header block(s) of one regular file: a long-name entry first when the name needs one. */
export function gnuTarHeaders(entry: TarEntry): Buffer[] {
  const name = Buffer.from(entry.name, "utf8");
  const blocks: Buffer[] = [];
  if (name.length > 100) {
    // Go's writer: a "././@LongLink" entry of type 'L' holding the name and a NUL.
    blocks.push(header({ name: Buffer.from("././@LongLink"), mode: 0, uid: 0, gid: 0, size: name.length + 1, type: "L", uname: "", gname: "" }));
    const body = Buffer.alloc(Math.ceil((name.length + 1) / BLOCK) * BLOCK);
    name.copy(body);
    blocks.push(body);
  }
  blocks.push(header({ name: name.subarray(0, 100), mode: entry.mode & 0o7777, uid: entry.uid, gid: entry.gid, size: entry.size, type: "0", uname: userName(entry.uid), gname: groupName(entry.gid) }));
  return blocks;
}

/** Zeros that bring `size` bytes of file data to a whole block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

function header(h: { name: Buffer; mode: number; uid: number; gid: number; size: number; type: string; uname: string; gname: string }): Buffer {
  const b = Buffer.alloc(BLOCK);
  h.name.copy(b, 0);
  numeric(b, 100, 8, h.mode);
  numeric(b, 108, 8, h.uid);
  numeric(b, 116, 8, h.gid);
  numeric(b, 124, 12, h.size);
  numeric(b, 136, 12, 0); // mtime: Packer zeroes the times
  b.write(h.type, 156, "latin1");
  b.write("ustar  \0", 257, "latin1");
  b.write(h.uname.slice(0, 31), 265, "utf8");
  b.write(h.gname.slice(0, 31), 297, "utf8");
  // Go fills devmajor and devminor in for a file's header, not for a long-name entry's.
  if (h.type === "0") {
    numeric(b, 329, 8, 0);
    numeric(b, 337, 8, 0);
  }
  // The checksum is taken with its own field as spaces, then written as 6 octal digits, NUL, space.
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "latin1");
  return b;
}

/** Go's formatNumeric for the GNU format: octal digits and a NUL, or base-256 when too large. */
function numeric(b: Buffer, at: number, length: number, value: number): void {
  const octal = value.toString(8);
  if (octal.length <= length - 1) {
    b.write(octal.padStart(length - 1, "0") + "\0", at, "latin1");
    return;
  }
  let v = BigInt(value);
  for (let i = at + length - 1; i > at; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  b[at] = 0x80;
}

let users: Map<number, string> | undefined;
let groups: Map<number, string> | undefined;

/** Names by id from a passwd-style file (name:x:id:…); empty when it cannot be read. */
function namesById(file: string): Map<number, string> {
  const names = new Map<number, string>();
  try {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const [name, , id] = line.split(":");
      if (name && id !== undefined && /^\d+$/.test(id) && !names.has(Number(id))) names.set(Number(id), name);
    }
  } catch {
    // No such file: names stay empty, as Go's lookup failing leaves them.
  }
  return names;
}

function userName(uid: number): string {
  return (users ??= namesById("/etc/passwd")).get(uid) ?? "";
}

function groupName(gid: number): string {
  return (groups ??= namesById("/etc/group")).get(gid) ?? "";
}
