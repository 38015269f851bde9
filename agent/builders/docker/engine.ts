/**
 * Finds the Docker Engine the docker builder and post-processors talk to: the agent's
 * `DOCKER_HOST` (unix:// or tcp://, as the docker CLI reads it) or the default socket.
 */
import Docker from "dockerode";

export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

export function dockerEngine(env: NodeJS.ProcessEnv = process.env): Docker {
  const host = env.DOCKER_HOST && env.DOCKER_HOST.length > 0 ? env.DOCKER_HOST : `unix://${DEFAULT_DOCKER_SOCKET}`;
  if (host.startsWith("unix://")) return new Docker({ socketPath: host.slice("unix://".length) });
  if (host.startsWith("tcp://")) {
    const url = new URL(host.replace(/^tcp:/, "http:"));
    return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: "http" });
  }
  throw new Error(`DOCKER_HOST=${host} is not supported: use unix:///path/to/docker.sock or tcp://host:port`);
}

/** Labels Kiln puts on every container it runs, so a restarted agent can reap what a crash left. */
export const KILN_CONTAINER_LABEL = "kiln.build";
/** The agent process that ran the container: a restarted agent reaps those of its dead jobs. */
export const KILN_PID_LABEL = "kiln.pid";
