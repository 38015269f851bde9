/**
 * What the docker builder needs from a host: a Docker Engine answering `GET /_ping` with OK on
 * DOCKER_HOST (unix:// or tcp://), else /var/run/docker.sock — the engine the builder will use.
 */
import { request } from "node:http";
import type { CapabilityCheck, HostCapabilityProbe } from "../../host-probe/index.js";

export const probeDockerHost: HostCapabilityProbe = async (ctx) => [await pingEngine(ctx.env, ctx.serviceTimeoutMs)];

async function pingEngine(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CapabilityCheck> {
  const host = env.DOCKER_HOST && env.DOCKER_HOST.length > 0 ? env.DOCKER_HOST : "unix:///var/run/docker.sock";
  const check = (ok: boolean, why: string): CapabilityCheck => ({ capability: "docker", ok, why });
  let target: { socketPath: string } | { host: string; port: number };
  if (host.startsWith("unix://")) target = { socketPath: host.slice("unix://".length) };
  else if (host.startsWith("tcp://")) {
    const u = new URL(`http://${host.slice("tcp://".length)}`);
    target = { host: u.hostname, port: Number(u.port || 2375) };
  } else return check(false, `DOCKER_HOST=${host} is neither unix:// nor tcp:// (not probed)`);
  return new Promise<CapabilityCheck>((resolve) => {
    const req = request({ ...target, path: "/_ping", method: "GET", timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => {
        const ok = res.statusCode === 200 && body.trim() === "OK";
        resolve(check(ok, ok ? `${host} answers /_ping` : `${host} answered /_ping with ${res.statusCode} ${body.trim().slice(0, 80)}`));
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (e) => resolve(check(false, `${host}: ${e.message}`)));
    req.end();
  });
}
