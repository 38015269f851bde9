import test from "ava";
import { packerConfigErrorText } from "../../../shared/validation/config-error-text.js";
import { unusedKeyMessage } from "../../../shared/components/packer-keys/check-keys.js";

test("unknown and deprecated keys are listed in Go's sorted key order, whatever the template's order (rgl/windows-vagrant windows-2019-vsphere.json)", (t) => {
  const keys = ["network_card", "network", "disk_size", "bogus", "disk_thin_provisioned"];
  const text = packerConfigErrorText(keys.map((k) => ({ message: unusedKeyMessage("builder", "vsphere-iso", k), field: k })));
  const listed = [...text.matchAll(/^\t\* (?:unknown configuration key: '"([^"]+)"'|Deprecated configuration key: '([^']+)')/gm)].map((m) => m[1] ?? m[2]);
  t.deepEqual(listed, ["bogus", "disk_size", "disk_thin_provisioned", "network", "network_card"]);
  t.true(text.startsWith("5 errors occurred:\n\t* unknown configuration key: '\"bogus\"'\n\t* Deprecated configuration key: 'disk_size'."));
});
