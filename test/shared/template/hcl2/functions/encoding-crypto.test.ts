// Encodings, hashes, bcrypt, rsadecrypt and UUIDs, checked against independent implementations
// (Node's zlib and crypto, bcryptjs's verifier) where the output is not fixed.
import test from "ava";
import { constants, generateKeyPairSync, publicEncrypt } from "node:crypto";
import { gunzipSync } from "node:zlib";
import bcrypt from "bcryptjs";
import { packerFunctions } from "../../../../../shared/template/hcl2/functions/index.js";
import { runCallTable } from "./call-table.js";

const functions = packerFunctions({ baseDir: "/nonexistent" });
const call = (name: string, ...args: unknown[]): string => {
  const v = functions.get(name)!.impl(args.map((a) => (typeof a === "number" ? { kind: "number", value: a } : { kind: "string", value: String(a) })));
  if (v.kind !== "string") throw new Error(`${name} returned ${v.kind}`);
  return v.value;
};

test("textencodebase64 and textdecodebase64 convert through IANA-named encodings", (t) => {
  runCallTable(t, functions, [
    { fn: "textencodebase64", args: ["Hello World", "UTF-16LE"], out: "SABlAGwAbABvACAAVwBvAHIAbABkAA==" },
    { fn: "textdecodebase64", args: ["SABlAGwAbABvACAAVwBvAHIAbABkAA==", "UTF-16LE"], out: "Hello World" },
    { fn: "textencodebase64", args: ["é", "ISO-8859-1"], out: "6Q==" },
    { fn: "textencodebase64", args: ["€", "latin1"], error: "the given string contains characters that cannot be represented in latin1", argIndex: 0 },
    { fn: "textencodebase64", args: ["x", "EBCDIC-XYZ"], error: '"EBCDIC-XYZ" is not a supported IANA encoding name or alias', argIndex: 1 },
    { fn: "textdecodebase64", args: ["!!!", "UTF-8"], error: "the given value is has an invalid base64 symbol at offset 0", argIndex: 0 },
  ]);
});

test("base64gzip output gunzips to the input and carries Go's gzip header", (t) => {
  const out = Buffer.from(call("base64gzip", "hello hello hello"), "base64");
  t.is(gunzipSync(out).toString("utf8"), "hello hello hello");
  t.is(out[9], 255, "OS byte: unknown, as Go's gzip.Writer writes it");
});

test("bcrypt hashes verify with an independent bcrypt implementation, in Go's $2a$ form", (t) => {
  const hash = call("bcrypt", "s3cret", 4);
  t.regex(hash, /^\$2a\$04\$/);
  t.true(bcrypt.compareSync("s3cret", hash));
  t.false(bcrypt.compareSync("other", hash));
  t.regex(call("bcrypt", "x"), /^\$2a\$10\$/, "cost 10 by default");
  t.regex(call("bcrypt", "x", 2), /^\$2a\$10\$/, "below the minimum cost, Go uses the default");
});

test("rsadecrypt decrypts PKCS#1 v1.5 ciphertext with a PKCS#1 PEM key, and names what is wrong otherwise", (t) => {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const ciphertext = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from("the secret")).toString("base64");
  t.is(call("rsadecrypt", ciphertext, pem), "the secret");
  runCallTable(t, functions, [
    { fn: "rsadecrypt", args: ["%%%", pem], error: 'failed to decode input "%%%": cipher text must be base64-encoded' },
    { fn: "rsadecrypt", args: [ciphertext, "not a key"], error: "failed to parse key: no key found" },
    { fn: "rsadecrypt", args: [Buffer.from("garbage garbage!").toString("base64"), pem], error: "crypto/rsa: decryption error" },
  ]);
});

test("uuidv4 is random and version 4; uuidv5 is the RFC 4122 name-based UUID", (t) => {
  const a = call("uuidv4");
  t.regex(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.not(call("uuidv4"), a);
  // RFC 4122 appendix-style known answer (python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")).
  t.is(call("uuidv5", "dns", "python.org"), "886313e1-3b8a-5372-9b90-0c9aee199e5d");
});

test("hashes and base64 of non-ASCII text hash the UTF-8 bytes", (t) => {
  runCallTable(t, functions, [
    // Expected digests computed with Python's hashlib over "é".encode("utf-8").
    { fn: "sha256", args: ["é"], out: "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c" },
    { fn: "md5", args: ["é"], out: "66ddcd97cfdeabb2f6fb8a999b4bc76f" },
    { fn: "base64encode", args: ["é"], out: "w6k=" },
    { fn: "urlencode", args: ["é"], out: "%C3%A9" },
  ]);
});
