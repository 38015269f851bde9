/**
 * One QMP command over QEMU's monitor socket: connect, read the greeting, negotiate
 * capabilities, run the command, hang up. Enough for `system_powerdown`; asynchronous events
 * between the replies are skipped.
 */
import { createConnection } from "node:net";

export function qmpExecute(socketPath: string, command: string, args?: Record<string, unknown>, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(socketPath);
    let buffered = "";
    let stage: "greeting" | "capabilities" | "command" = "greeting";
    const timer = setTimeout(() => finish(new Error(`QMP ${command}: no answer within ${timeoutMs} ms`)), timeoutMs);
    function finish(err: Error | undefined, value?: unknown): void {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value);
    }
    sock.on("error", (e) => finish(new Error(`QMP ${command}: ${e.message}`)));
    sock.on("data", (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as { QMP?: unknown; return?: unknown; error?: { desc?: string }; event?: string };
        if (msg.event) continue;
        if (msg.error) return finish(new Error(`QMP ${command}: ${msg.error.desc ?? "error"}`));
        if (stage === "greeting" && msg.QMP) {
          stage = "capabilities";
          sock.write(JSON.stringify({ execute: "qmp_capabilities" }) + "\n");
        } else if (stage === "capabilities" && "return" in msg) {
          stage = "command";
          sock.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + "\n");
        } else if (stage === "command" && "return" in msg) {
          finish(undefined, msg.return);
        }
      }
    });
  });
}
