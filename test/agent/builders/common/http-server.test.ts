import test from "ava";
import { request } from "node:http";
import { connect } from "node:net";
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { httpGeneratedData, HttpServerConfigError, startInstallerHttpServer } from "../../../../agent/builders/common/http-server.js";
import { stepHttpServer } from "../../../../agent/builders/common/step-http-server.js";
import type { RunContext } from "../../../../agent/runner/context.js";
import { tempDir } from "../../../fixtures/temp-dir.js";

// A raw GET, so paths such as /../ reach the server as written (fetch would normalise them).
function get(port: number, path: string, method = "GET"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function site(t: { teardown(fn: () => Promise<void>): void }) {
  const dir = await tempDir("kiln-http-");
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, "www", "sub"), { recursive: true });
  await writeFile(join(dir, "www", "preseed.cfg"), "d-i debian-installer/locale string en_US\n");
  await writeFile(join(dir, "www", "sub", "a b.txt"), "spaced\n");
  await writeFile(join(dir, "secret.txt"), "outside\n");
  await symlink(join(dir, "secret.txt"), join(dir, "www", "link-out"));
  return dir;
}

test("http_directory: files served, nothing outside the folder", async (t) => {
  const dir = await site(t);
  const server = (await startInstallerHttpServer({ directory: join(dir, "www"), portMin: 18100, portMax: 18199 }))!;
  t.teardown(() => server.close());
  t.is(server.bindAddress, "127.0.0.1");
  t.true(server.port >= 18100 && server.port <= 18199);
  t.deepEqual(await get(server.port, "/preseed.cfg"), { status: 200, body: "d-i debian-installer/locale string en_US\n" });
  t.deepEqual(await get(server.port, "/sub/a%20b.txt"), { status: 200, body: "spaced\n" });
  t.is((await get(server.port, "/preseed.cfg", "HEAD")).status, 200);
  for (const escape of ["/../secret.txt", "/%2e%2e/secret.txt", "/sub/../../secret.txt", "/link-out", "/nope", "/sub"]) {
    const r = await get(server.port, escape);
    t.is(r.status, 404, escape);
    t.false(r.body.includes("outside"), escape);
  }
  t.is((await get(server.port, "/preseed.cfg", "POST")).status, 405);
});

test("http_content: map of paths to contents", async (t) => {
  const server = (await startInstallerHttpServer({ content: { "/ks.cfg": "kickstart\n", "meta-data": "" }, portMin: 18200, portMax: 18299 }))!;
  t.teardown(() => server.close());
  t.deepEqual(await get(server.port, "/ks.cfg"), { status: 200, body: "kickstart\n" });
  t.deepEqual(await get(server.port, "/meta-data"), { status: 200, body: "" });
  t.is((await get(server.port, "/other")).status, 404);
});

test("concurrent servers get disjoint ports in the range; a full range is a clear error", async (t) => {
  const dir = await site(t);
  const servers = await Promise.all(Array.from({ length: 4 }, () => startInstallerHttpServer({ directory: join(dir, "www"), portMin: 18300, portMax: 18303 })));
  t.teardown(async () => { await Promise.all(servers.map((s) => s?.close())); });
  t.deepEqual(servers.map((s) => s!.port).sort(), [18300, 18301, 18302, 18303]);
  await t.throwsAsync(startInstallerHttpServer({ directory: join(dir, "www"), portMin: 18300, portMax: 18303 }), { message: /no free port .*http_port_min 18300 and http_port_max 18303/ });
  // Each server really answers on its own port.
  for (const s of servers) t.is((await get(s!.port, "/preseed.cfg")).status, 200);
  await servers[0]!.close();
  const again = (await startInstallerHttpServer({ directory: join(dir, "www"), portMin: 18300, portMax: 18303 }))!;
  t.is(again.port, servers[0]!.port);
  await again.close();
  servers[0] = undefined;
});

test("nothing to serve means no server; bad settings are clear errors", async (t) => {
  t.is(await startInstallerHttpServer({ portMin: 8000, portMax: 9000 }), undefined);
  await t.throwsAsync(startInstallerHttpServer({ directory: "/nonexistent-kiln", portMin: 8000, portMax: 9000 }), { instanceOf: HttpServerConfigError, message: /http_directory "\/nonexistent-kiln"/ });
  await t.throwsAsync(startInstallerHttpServer({ directory: "/tmp", content: { a: "b" }, portMin: 8000, portMax: 9000 }), { instanceOf: HttpServerConfigError });
  t.deepEqual(httpGeneratedData("10.0.2.2", 8123), { PackerHTTPIP: "10.0.2.2", PackerHTTPPort: "8123", PackerHTTPAddr: "10.0.2.2:8123" });
});

test("the step serves during the build and its cleanup frees the port", async (t) => {
  const dir = await site(t);
  const said: string[] = [];
  const ctx = { ui: { say: (m: string) => said.push(m), message: () => {}, error: () => {}, machine: () => {} }, signal: new AbortController().signal } as unknown as RunContext;
  const step = stepHttpServer({ directory: join(dir, "www"), portMin: 18400, portMax: 18400 }, "10.0.2.2");
  const ready = await step.run(ctx, {});
  t.is(ready.httpPort, 18400);
  t.is(ready.httpGenerated.PackerHTTPAddr, "10.0.2.2:18400");
  t.is((await get(18400, "/preseed.cfg")).status, 200);
  await step.cleanup!(ctx, { ...ready });
  await t.throwsAsync(get(18400, "/preseed.cfg"), { message: /ECONNREFUSED/ });
  const none = await stepHttpServer({ portMin: 18400, portMax: 18400 }, "10.0.2.2").run(ctx, {});
  t.is(none.httpGenerated.PackerHTTPAddr, "10.0.2.2:0");
});

test("a client that half-closes right after its request (nc, small boot loaders) still gets the answer", async (t) => {
  const server = await startInstallerHttpServer({ content: { "/ks.cfg": "install\n" }, portMin: 20000, portMax: 20999 });
  t.teardown(() => server!.close());
  const answer = await new Promise<string>((resolve, reject) => {
    const sock = connect({ host: "127.0.0.1", port: server!.port });
    let got = "";
    sock.on("data", (d: Buffer) => (got += d.toString()));
    sock.on("end", () => resolve(got));
    sock.on("error", reject);
    sock.end("GET /ks.cfg HTTP/1.0\r\n\r\n"); // the request and our FIN together
  });
  t.regex(answer, /^HTTP\/1\.1 200 OK/);
  t.true(answer.endsWith("\r\n\r\ninstall\n"));
});
