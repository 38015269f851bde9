/**
 * IP network functions (go-cty-funcs/cidr over apparentlymart/go-cidr): addresses are parsed
 * with ipaddr.js and computed on as BigInt, so IPv4 and IPv6 share one path.
 */
import ipaddr from "ipaddr.js";
import type { HclFunction, Value } from "../contract.js";
import { defineFunction, fail } from "./function-spec.js";
import { wholeNumber } from "./strings.js";
import { listType, listVal, numberType, stringType, stringVal } from "../value/index.js";

interface Network {
  /** Address width: 32 or 128. */
  bits: number;
  prefix: number;
  /** The network address (host bits cleared). */
  base: bigint;
}

const text = (v: Value | undefined): string => (v as { value: string }).value;

/** Go's net.ParseCIDR, returning the network (host bits of the given address cleared). */
function parseCidr(s: string, argIndex?: number): Network {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  const bad = (): never => fail(`invalid CIDR expression: invalid CIDR address: ${s}`, argIndex);
  if (!m) return bad();
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    if (!ipaddr.isValid(m[1]!) || (m[1]!.includes(".") && !m[1]!.includes(":") && !ipaddr.IPv4.isValidFourPartDecimal(m[1]!))) return bad();
    addr = ipaddr.parse(m[1]!);
  } catch {
    return bad();
  }
  const bits = addr.kind() === "ipv4" ? 32 : 128;
  const prefix = Number(m[2]);
  if (prefix > bits) return bad();
  let value = 0n;
  for (const b of addr.toByteArray()) value = (value << 8n) | BigInt(b);
  const hostBits = BigInt(bits - prefix);
  return { bits, prefix, base: (value >> hostBits) << hostBits };
}

function addressString(value: bigint, bits: number): string {
  const bytes: number[] = [];
  for (let i = bits / 8 - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  const addr = ipaddr.fromByteArray(bytes);
  return addr.kind() === "ipv6" ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
}

function host(net: Network, num: number): string {
  const hostLen = BigInt(net.bits - net.prefix);
  const max = (1n << hostLen) - 1n;
  let n = BigInt(num);
  if (n < 0n) {
    const back = -n - 1n;
    if (back > max) fail(`prefix of ${net.prefix} does not accommodate a host numbered ${num}`);
    n = max - back;
  }
  if (n > max) fail(`prefix of ${net.prefix} does not accommodate a host numbered ${num}`);
  return addressString(net.base | n, net.bits);
}

function subnet(net: Network, newBits: number, num: number): Network {
  const prefix = net.prefix + newBits;
  if (prefix > net.bits) fail(`insufficient address space to extend prefix of ${net.prefix} by ${newBits}`);
  const max = (1n << BigInt(newBits)) - 1n;
  if (num < 0 || BigInt(num) > max) fail(`prefix extension of ${newBits} does not accommodate a subnet numbered ${num}`);
  return { bits: net.bits, prefix, base: net.base | (BigInt(num) << BigInt(net.bits - prefix)) };
}

const networkString = (n: Network): string => `${addressString(n.base, n.bits)}/${n.prefix}`;

export const cidrFunctions: Record<string, HclFunction> = {
  cidrhost: defineFunction({
    params: [
      { name: "prefix", type: stringType },
      { name: "hostnum", type: numberType },
    ],
    returnType: stringType,
    impl: ([p, h]) => {
      const n = wholeNumber(h);
      return stringVal(host(parseCidr(text(p)), n));
    },
  }),
  cidrnetmask: defineFunction({
    params: [{ name: "prefix", type: stringType }],
    returnType: stringType,
    impl([p]) {
      const net = parseCidr(text(p));
      const mask = ((1n << BigInt(net.prefix)) - 1n) << BigInt(net.bits - net.prefix);
      if (net.bits === 32) return stringVal(addressString(mask, 32));
      // Go prints a 16-byte mask that is not an IPv4-mapped address as hex.
      return stringVal(mask.toString(16).padStart(32, "0"));
    },
  }),
  cidrsubnet: defineFunction({
    params: [
      { name: "prefix", type: stringType },
      { name: "newbits", type: numberType },
      { name: "netnum", type: numberType },
    ],
    returnType: stringType,
    impl([p, b, n]) {
      const newBits = wholeNumber(b);
      const netNum = wholeNumber(n);
      const net = parseCidr(text(p));
      if (newBits > 32) fail("may not extend prefix by more than 32 bits");
      return stringVal(networkString(subnet(net, newBits, netNum)));
    },
  }),
  cidrsubnets: defineFunction({
    params: [{ name: "prefix", type: stringType }],
    variadic: { name: "newbits", type: numberType },
    returnType: listType(stringType),
    impl([p, ...lengths]) {
      const net = parseCidr(text(p), 0);
      const out: Value[] = [];
      // The next free address inside the base prefix.
      let next = net.base;
      const end = net.base + (1n << BigInt(net.bits - net.prefix));
      let current: Network | undefined;
      lengths.forEach((l, i) => {
        const extend = wholeNumber(l, i + 1);
        if (extend < 1) fail("must extend prefix by at least one bit", i + 1);
        if (extend > 32) fail("may not extend prefix by more than 32 bits", i + 1);
        const prefix = net.prefix + extend;
        if (prefix > net.bits) fail(`would extend prefix to ${prefix} bits, which is too long for an ${net.bits === 32 ? "IPv4" : "IPv6"} address`, i + 1);
        const size = 1n << BigInt(net.bits - prefix);
        const start = ((next + size - 1n) / size) * size;
        if (start + size > end) {
          const after = current ? networkString(current) : networkString({ bits: net.bits, prefix, base: net.base - size });
          fail(`not enough remaining address space for a subnet with a prefix of ${prefix} bits after ${after}`, i + 1);
        }
        current = { bits: net.bits, prefix, base: start };
        next = start + size;
        out.push(stringVal(networkString(current)));
      });
      return listVal(out, stringType);
    },
  }),
};
