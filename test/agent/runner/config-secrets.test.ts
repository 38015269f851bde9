import test from "ava";
import { configSecrets } from "../../../agent/runner/config-secrets.js";

test("passwords, passphrases, secret keys, tokens and private keys are found at any depth; paths and names are not", (t) => {
  const config = {
    communicator: { type: "ssh", ssh: { username: "root", password: "hunter2", privateKeyFile: "/keys/id", privateKey: "-----BEGIN KEY-----" } },
    vncPassword: "vnc-pw",
    aws: { accessKey: "AKIA", secretKey: "s3cr3t", token: "tok" },
    winrm: [{ passphrase: "pp" }],
    emptyPassword: "",
    name: "packer",
  };
  t.deepEqual(configSecrets(config).sort(), ["-----BEGIN KEY-----", "hunter2", "pp", "s3cr3t", "tok", "vnc-pw"].sort());
});
