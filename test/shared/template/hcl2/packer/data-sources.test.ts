import test from "ava";
import { rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { checkHclTemplate, type HclCheckOptions } from "../../../../../shared/template/hcl2/packer/index.js";
import { tempDirSync } from "../../../../fixtures/temp-dir.js";

const NO_INPUTS: HclCheckOptions = { vars: [], varFiles: [], env: {}, only: [], except: [] };

function template(t: { teardown: (f: () => void) => void }, text: string): string {
  const dir = tempDirSync("kiln-hcl-data-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "t.pkr.hcl"), text);
  return dir;
}

const build = (content: string): string => `
source "file" "x" {
  content = ${content}
  target  = "out.txt"
}
build {
  sources = ["source.file.x"]
}
`;

/** A loopback HTTP server: /version answers "1.2.3" (and echoes the X-Token header), anything else 404. */
async function versionServer(t: { teardown: (f: () => void) => void }): Promise<string> {
  const server = http.createServer((req, res) => {
    if (req.url !== "/version") {
      res.writeHead(404).end("no");
      return;
    }
    res.writeHead(200, { "content-type": "text/plain", "x-echo": String(req.headers["x-token"] ?? "") }).end("1.2.3");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => void server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('data "null" passes its input to locals and sources', async (t) => {
  const dir = template(t, `
variable "name" {
  default = "web"
}
data "null" "n" {
  input = "\${var.name}-image"
}
locals {
  image = upper(data.null.n.output)
}
${build("local.image")}`);
  const r = await checkHclTemplate("t.pkr.hcl", dir, NO_INPUTS);
  if (!r.ok) return t.fail(r.text);
  t.is(r.specs[0]!.builder.config.content, "WEB-IMAGE");
});

test('data "http" GETs the url with request_headers; body and response_headers reach the build', async (t) => {
  t.timeout(30_000);
  const base = await versionServer(t);
  const dir = template(t, `
data "http" "version" {
  url             = "${base}/version"
  request_headers = { X-Token = "abc" }
}
${build('"${data.http.version.body} ${data.http.version.response_headers["x-echo"]}"')}`);
  const r = await checkHclTemplate("t.pkr.hcl", dir, NO_INPUTS);
  if (!r.ok) return t.fail(r.text);
  t.is(r.specs[0]!.builder.config.content, "1.2.3 abc");
});

test('data "http" answering 404, and an unknown data source type, are errors naming the block', async (t) => {
  t.timeout(30_000);
  const base = await versionServer(t);
  const missing = await checkHclTemplate("t.pkr.hcl", template(t, `data "http" "v" {\n  url = "${base}/nope"\n}\n${build('"x"')}`), NO_INPUTS);
  t.false(missing.ok);
  if (!missing.ok) t.regex(missing.text, /HTTP request error[\s\S]*GET http:\/\/127\.0\.0\.1:\d+\/nope: response code 404/);
  const unknown = await checkHclTemplate("t.pkr.hcl", template(t, `data "amazon-nope" "v" {\n}\n${build('"x"')}`), NO_INPUTS);
  t.false(unknown.ok);
  if (!unknown.ok) t.regex(unknown.text, /Unknown data type[\s\S]*"amazon-nope" is not known to Kiln \(it has: null, http\)/);
});
