/**
 * Triton: the access config's request signer (an SSH agent, or key material matching
 * triton_key_id), the source machine and the target image, as Prepare in Packer v1.6.6's
 * builder/triton checks them, all reported together.
 */
import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { resolve } from "node:path";
import { goStatErrorIn } from "../../go-stat-error.js";
import { goReadFile } from "./prepare-rule.js";
import type { PrepareRule } from "./prepare-rule.js";

/** Base64 of OpenSSH's wire form of an RSA public key, from its JWK. */
function sshRsaPublicKeyBlob(jwk: { n?: string; e?: string }): Buffer {
  const field = (b: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(b.length);
    return Buffer.concat([length, b]);
  };
  const mpint = (b64url: string): Buffer => {
    const b = Buffer.from(b64url, "base64url");
    return field(b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
  };
  return Buffer.concat([field(Buffer.from("ssh-rsa")), mpint(jwk.e ?? ""), mpint(jwk.n ?? "")]);
}

/** triton-go's signers: an SSH agent (SSH_AUTH_SOCK), or the key material (a path or the PEM itself) matching triton_key_id. */
function tritonSignerProblem(keyId: string, keyMaterial: string, cwd: string): string | undefined {
  if (keyMaterial === "") {
    // With an agent, Packer asks it for the key: not done while validating in Kiln.
    return process.env.SSH_AUTH_SOCK === undefined ? "Error creating Triton request signer: environment variable SSH_AUTH_SOCK not set" : undefined;
  }
  let material = keyMaterial;
  if (!goStatErrorIn(cwd, keyMaterial)) {
    const read = goReadFile(resolve(cwd, keyMaterial), keyMaterial);
    if ("error" in read) return `Error reading key material from path '${keyMaterial}': ${read.error}`;
    material = read.content.toString("latin1");
  }
  const block = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/.exec(material);
  if (!block) return "Error creating Triton request signer: Error PEM-decoding private key material: nil block received";
  let jwk: { n?: string; e?: string };
  try {
    if (block[1] !== "RSA PRIVATE KEY") throw new Error("not PKCS#1");
    jwk = createPublicKey(createPrivateKey({ key: block[0], format: "pem" })).export({ format: "jwk" }) as { n?: string; e?: string };
  } catch {
    return "Error creating Triton request signer: unable to parse private key";
  }
  const fingerprint = createHash("md5").update(sshRsaPublicKeyBlob(jwk)).digest("hex");
  if (fingerprint !== keyId.replace(/:/g, "")) return "Error creating Triton request signer: Private key file does not match public key fingerprint";
  return undefined;
}

/** Packer 1.6.6's triton Prepare: access, source machine, communicator and target image configs, all reported together. */
export const triton: PrepareRule = (r, ctx) => {
  const s = (k: string): string => r.string(k, "");
  if (s("triton_account") === "") r.problem("triton_account", "triton_account is required to use the triton builder");
  const keyId = s("triton_key_id");
  if (keyId === "") r.problem("triton_key_id", "triton_key_id is required to use the triton builder");
  const signer = tritonSignerProblem(keyId, s("triton_key_material"), ctx.cwd);
  if (signer) r.problem("triton_key_material", signer);
  if (s("source_machine_package") === "") r.problem("source_machine_package", "A source_machine_package must be specified");
  r.checkPackerType("source_machine_image_filter");
  const filter = r.value("source_machine_image_filter") as Record<string, unknown> | undefined;
  if (s("source_machine_image") !== "" && filter && typeof filter === "object" && filter.name) r.problem("source_machine_image", "You cannot specify a Machine Image and also Machine Name filter");
  // (the communicator's checks come here in Packer's list)
  if (s("image_name") === "") r.problem("image_name", "An image_name must be specified");
  if (s("image_version") === "") r.problem("image_version", "An image_version must be specified");
};
