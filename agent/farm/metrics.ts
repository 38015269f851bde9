/**
 * `kiln agent --metrics-listen HOST:PORT`: the agent's own Prometheus metrics — its slots and
 * how many are busy, jobs run by result, the host's load — plus process metrics. No token: bind
 * it to an address only the scraper reaches (loopback, or the management network).
 */
import http from "node:http";
import os from "node:os";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { JobResult } from "./job-steps/index.js";

export interface AgentMetrics {
  /** Count a finished job (pass it as AgentOptions.onJobDone). */
  jobDone(result: JobResult): void;
  /** Serve /metrics for `agent`; resolves with the bound address. */
  serve(listen: { host: string; port: number }, agent: { name: string; slots: number; busy(): number }): Promise<{ address: string; stop(): Promise<void> }>;
}

export function agentMetrics(): AgentMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "kiln_agent_process_" });
  const jobs = new Counter({ name: "kiln_agent_jobs_total", help: "Jobs this agent finished, by result.", labelNames: ["result"], registers: [registry] });
  let agent: { name: string; slots: number; busy(): number } | undefined;
  new Gauge({ name: "kiln_agent_slots", help: "Build slots of this agent.", registers: [registry], collect() { this.set(agent?.slots ?? 0); } });
  new Gauge({ name: "kiln_agent_slots_busy", help: "Build slots in use.", registers: [registry], collect() { this.set(agent?.busy() ?? 0); } });
  new Gauge({ name: "kiln_agent_host_load1", help: "The host's 1-minute load average.", registers: [registry], collect() { this.set(os.loadavg()[0] ?? 0); } });
  new Gauge({ name: "kiln_agent_host_cpus", help: "CPUs of the host.", registers: [registry], collect() { this.set(os.cpus().length); } });
  return {
    jobDone(result) {
      jobs.inc({ result });
    },
    async serve(listen, a) {
      agent = a;
      registry.setDefaultLabels({ agent: a.name });
      const server = http.createServer((req, res) => {
        if (req.url !== "/metrics") {
          res.writeHead(404).end("only /metrics here\n");
          return;
        }
        registry.metrics().then(
          (text) => res.writeHead(200, { "Content-Type": registry.contentType }).end(text),
          (e: unknown) => res.writeHead(500).end(String(e)),
        );
      });
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(listen.port, listen.host, () => resolve());
      });
      const bound = server.address();
      const port = typeof bound === "object" && bound ? bound.port : listen.port;
      return {
        address: `${listen.host.includes(":") ? `[${listen.host}]` : listen.host}:${port}`,
        async stop() {
          server.closeAllConnections();
          await new Promise<void>((r) => server.close(() => r()));
        },
      };
    },
  };
}
