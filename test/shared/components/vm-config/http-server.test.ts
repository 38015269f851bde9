import test from "ava";
import { ConfigReader } from "../../../../shared/components/config-reader.js";
import { readHttpServerConfig } from "../../../../shared/components/vm-config/http-server.js";
import { prepareContext, problemsOf, raw } from "../prepare-context.js";

const problems = (config: Record<string, unknown>): string[] =>
  problemsOf(() => {
    const r = new ConfigReader(raw("qemu", config), { kind: "builder", interpolation: prepareContext("/", "q").interpolation });
    readHttpServerConfig(r);
    r.finish();
  });

test("http_interface needs an http_bind_address other than 0.0.0.0, as Packer 1.6.6's HTTPConfig (whose default it is) checks", (t) => {
  const message = "either http_interface of http_bind_address can be specified";
  t.deepEqual(problems({ http_interface: "eth0" }), [message]);
  t.deepEqual(problems({ http_interface: "eth0", http_bind_address: "0.0.0.0" }), [message]);
  t.deepEqual(problems({ http_interface: "eth0", http_bind_address: "10.0.0.5" }), []);
  t.deepEqual(problems({ http_bind_address: "0.0.0.0", http_port_min: 8100, http_port_max: 8100 }), []);
  t.deepEqual(problems({ http_port_min: 9100, http_port_max: 9000 }), ["http_port_min must be less than http_port_max"]);
});
