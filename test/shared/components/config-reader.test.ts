import test from "ava";
import { ConfigReader } from "../../../shared/components/config-reader.js";
import { prepareContext, problemsOf, raw } from "./prepare-context.js";

test("an interpolation error inside a list or map quotes the string that failed, as Packer does", (t) => {
  const problems = problemsOf(() => {
    const r = new ConfigReader(raw("proxmox-iso", { additional_iso_files: [{ device: "sata1", iso_url: "{{ .Bad" }] }), { kind: "builder", interpolation: prepareContext("/", "p").interpolation, partial: true });
    r.value("additional_iso_files");
    r.finish();
  });
  t.deepEqual(problems, ["invalid 'additional_iso_files': template: root:1: unclosed action in:\n\n{{ .Bad"]);
});
