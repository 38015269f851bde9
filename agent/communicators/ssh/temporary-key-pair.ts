import ssh2, { type utils } from "ssh2";
import type { TemporaryKeyPairType } from "../../../shared/components/communicator/ssh.js";

export interface TemporaryKeyPair {
  /** OpenSSH private key text, for `SshCommunicatorConfig.privateKey`. Never log it. */
  privateKey: string;
  /** `ssh-ed25519 AAAA… packer_…`: the line to put in the guest's authorized_keys. */
  publicKey: string;
}

/**
 * Packer's StepSSHKeyGen: a throwaway key pair for builders that can inject a public key into the
 * guest (cloud-init, instance metadata), used when the template gives no ssh credential.
 * `bits` is ignored for ed25519 (fixed size), as in Packer.
 */
// ssh2 is CommonJS: Node's ESM loader only sees its default export.
const { generateKeyPairSync } = ssh2.utils;

/**
 * ssh2 1.17's generateKeyPairSync sometimes writes an ed25519 key its own parser then refuses
 * ("Malformed OpenSSH private key": 84 of 20,000 here), and a build using it fails at random.
 * A pair is only handed out once ssh2 can read it back; another is made otherwise.
 */
const MAX_TRIES = 10;

export function generateTemporaryKeyPair(type: TemporaryKeyPairType, bits: number, comment: string): TemporaryKeyPair {
  for (let tries = 1; ; tries++) {
    const pair = generateOnce(type, bits, comment);
    if (!(ssh2.utils.parseKey(pair.privateKey) instanceof Error)) return pair;
    if (tries >= MAX_TRIES) throw new Error(`could not make a usable ${type} key pair in ${MAX_TRIES} tries`);
  }
}

function generateOnce(type: TemporaryKeyPairType, bits: number, comment: string): TemporaryKeyPair {
  let pair: utils.KeyPairReturn;
  switch (type) {
    case "rsa":
      pair = generateKeyPairSync("rsa", { bits, comment });
      break;
    case "ecdsa":
      if (bits !== 256 && bits !== 384 && bits !== 521) {
        throw new Error(`temporary_key_pair_bits: ecdsa keys are 256, 384 or 521 bits, got ${bits}`);
      }
      pair = generateKeyPairSync("ecdsa", { bits, comment });
      break;
    case "ed25519":
      pair = generateKeyPairSync("ed25519", { comment });
      break;
    case "dsa":
      // OpenSSH itself disabled DSA in 2015 (7.0) and removed it in 9.8; so does Kiln.
      throw new Error('temporary_key_pair_type "dsa" is not supported by Kiln: use "ed25519" or "rsa"');
  }
  return { privateKey: pair.private, publicKey: pair.public.trim() };
}
