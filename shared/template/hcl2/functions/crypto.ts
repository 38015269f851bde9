/**
 * Hashes, bcrypt (bcryptjs, in Go's `$2a$` form), rsadecrypt (PKCS#1 v1.5, unpadded by hand
 * because Node 20 refuses PKCS#1 v1.5 decryption) and UUIDs.
 */
import { constants, createHash, createPrivateKey, privateDecrypt, randomUUID } from "node:crypto";
import bcrypt from "bcryptjs";
import type { HclFunction, Value } from "../contract.js";
import { defineFunction, fail } from "./function-spec.js";
import { decodeBase64Strict } from "./encoding.js";
import { wholeNumber } from "./strings.js";
import { numberType, stringType, stringVal } from "../value/index.js";

const text = (v: Value | undefined): string => (v as { value: string }).value;

const hashFunction = (algorithm: string): HclFunction =>
  defineFunction({ params: [{ name: "str", type: stringType }], returnType: stringType, impl: ([s]) => stringVal(createHash(algorithm).update(text(s), "utf8").digest("hex")) });

const UUID_NAMESPACES: Record<string, string> = {
  dns: "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
  url: "6ba7b811-9dad-11d1-80b4-00c04fd430c8",
  oid: "6ba7b812-9dad-11d1-80b4-00c04fd430c8",
  x500: "6ba7b814-9dad-11d1-80b4-00c04fd430c8",
};

/** google/uuid's Parse: 36-char form, or with `urn:uuid:` / braces. */
function parseUuid(s: string): Buffer {
  let t = s;
  if (t.length === 45 && t.toLowerCase().startsWith("urn:uuid:")) t = t.slice(9);
  else if (t.length === 38 && t.startsWith("{") && t.endsWith("}")) t = t.slice(1, -1);
  else if (t.length === 32 && /^[0-9a-fA-F]{32}$/.test(t)) return Buffer.from(t, "hex");
  if (t.length !== 36) throw new Error(`invalid UUID length: ${s.length}`);
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(t)) throw new Error("invalid UUID format");
  return Buffer.from(t.replace(/-/g, ""), "hex");
}

export function uuidV5(namespace: Buffer, name: string): string {
  const h = createHash("sha1").update(namespace).update(Buffer.from(name, "utf8")).digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function rsaDecrypt(ciphertext: string, pem: string): string {
  const bytes = decodeBase64Strict(ciphertext);
  if (!bytes) fail(`failed to decode input ${JSON.stringify(ciphertext)}: cipher text must be base64-encoded`);
  const block = /-----BEGIN ([A-Z ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(pem);
  if (!block) fail("failed to parse key: no key found");
  if (/Proc-Type:\s*4,ENCRYPTED/.test(block[2]!)) fail("failed to parse key: password protected keys are not supported. Please decrypt the key prior to use");
  if (block[1] !== "RSA PRIVATE KEY") fail("x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)");
  let key;
  try {
    key = createPrivateKey({ key: block[0], format: "pem" });
  } catch (e) {
    fail(`x509: ${(e as Error).message}`);
  }
  let raw: Buffer;
  try {
    raw = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, bytes);
  } catch {
    fail("crypto/rsa: decryption error");
  }
  // EME-PKCS1-v1_5: 0x00 0x02 <at least 8 non-zero padding bytes> 0x00 <message>
  const sep = raw.indexOf(0, 2);
  if (raw[0] !== 0 || raw[1] !== 2 || sep < 10) fail("crypto/rsa: decryption error");
  return raw.subarray(sep + 1).toString("utf8");
}

export const cryptoFunctions: Record<string, HclFunction> = {
  md5: hashFunction("md5"),
  sha1: hashFunction("sha1"),
  sha256: hashFunction("sha256"),
  sha512: hashFunction("sha512"),
  bcrypt: defineFunction({
    params: [{ name: "str", type: stringType }],
    variadic: { name: "cost", type: numberType },
    returnType: stringType,
    impl([s, ...rest]) {
      let cost = 10;
      if (rest.length > 0) {
        cost = wholeNumber(rest[0]);
      }
      if (rest.length > 1) fail("bcrypt() takes no more than two arguments");
      // Go's bcrypt: below the minimum cost means the default cost.
      if (cost < 4) cost = 10;
      if (cost > 31) fail(`error occured generating password crypto/bcrypt: cost ${cost} is outside allowed range (4,31)`);
      return stringVal(bcrypt.hashSync(text(s), cost).replace(/^\$2b\$/, "$2a$"));
    },
  }),
  rsadecrypt: defineFunction({
    params: [
      { name: "ciphertext", type: stringType },
      { name: "privatekey", type: stringType },
    ],
    returnType: stringType,
    impl: ([c, k]) => stringVal(rsaDecrypt(text(c), text(k))),
  }),
  uuidv4: defineFunction({ params: [], returnType: stringType, impl: () => stringVal(randomUUID()) }),
  uuidv5: defineFunction({
    params: [
      { name: "namespace", type: stringType },
      { name: "name", type: stringType },
    ],
    returnType: stringType,
    impl([ns, name]) {
      const given = text(ns);
      let namespace: Buffer;
      try {
        namespace = parseUuid(UUID_NAMESPACES[given] ?? given);
      } catch (e) {
        fail(`uuidv5() doesn't support namespace ${given} (${(e as Error).message})`);
      }
      return stringVal(uuidV5(namespace, text(name)));
    },
  }),
};
