/** Where Kiln means to differ from Packer 1.6.6, and why. Keyed by `<case id> <command label>`. */
export const INTENDED_DIFFERENCES: Record<string, string> = {
  "json/new-utf8-bom validate -syntax-only": "Kiln accepts a UTF-8 byte order mark before the JSON (Packer 1.6.6 fails with 'invalid character ï').",
  "json/new-utf8-bom validate": "Kiln accepts a UTF-8 byte order mark before the JSON (Packer 1.6.6 fails with 'invalid character ï').",
  "json/new-utf8-bom inspect": "Kiln accepts a UTF-8 byte order mark before the JSON (Packer 1.6.6 fails with 'invalid character ï').",
  "json/new-utf8-bom inspect -machine-readable": "Kiln accepts a UTF-8 byte order mark before the JSON (Packer 1.6.6 fails with 'invalid character ï').",
  "json/new-sensitive-inspect inspect -machine-readable":
    "Kiln masks secrets in machine-readable output everywhere, as in the human output (Packer 1.6.6 leaked them depending on map order).",
  "hcl/cmd-hcl-inspect-with-sensitive-vars inspect -machine-readable":
    "Kiln masks sensitive HCL2 variables in machine-readable inspect output, as in the human output (Packer 1.6.6 printed them in clear there).",
  "interpolation vault-in-variable-unreachable":
    "Kiln has no Vault client in the template engine: `vault` fails with a message saying to pass the secret with -var/-var-file (Packer tried to reach Vault). Same exit, different cause.",
};
