import test from "ava";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { parseBootCommands } from "../../../../agent/builders/common/boot-command/index.js";
import { KEYSYM_LEFT_SHIFT } from "../../../../agent/builders/vmware/keysyms.js";
import { RfbClient, vncAuthResponse } from "../../../../agent/builders/vmware/rfb-client.js";
import { typeOverVnc } from "../../../../agent/builders/vmware/step-vnc-boot-command.js";
import { leasePort } from "../../../../agent/builders/common/host-ports.js";
import { findOnPath } from "../../../../agent/host-probe/index.js";

test("VNC authentication is DES keyed by the bit-reversed password (FIPS 81's 'Now is t' vector)", (t) => {
  // Bit-reversed, these bytes are the key 0123456789ABCDEF of the published DES example.
  const password = Buffer.from([0x80, 0xc4, 0xa2, 0xe6, 0x91, 0xd5, 0xb3, 0xf7]).toString("latin1");
  const response = vncAuthResponse(password, Buffer.from("Now is tNow is t", "latin1"));
  t.is(response.toString("hex"), "3fa40e8a984d48153fa40e8a984d4815");
});

interface KeyEvent {
  keysym: number;
  down: boolean;
}

/** A tiny RFB 3.8 server: VNC auth with `password`, then records KeyEvents. */
async function rfbServer(password: string): Promise<{ server: Server; port: number; keys: KeyEvent[]; shared: number[] }> {
  const keys: KeyEvent[] = [];
  const shared: number[] = [];
  const server = createServer((sock: Socket) => {
    let buf = Buffer.alloc(0);
    let phase = 0;
    const challenge = Buffer.from("0123456789abcdef");
    sock.write("RFB 003.008\n");
    sock.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (phase === 0 && buf.length >= 12) {
          buf = buf.subarray(12);
          sock.write(Buffer.from([1, 2]));
          phase = 1;
        } else if (phase === 1 && buf.length >= 1) {
          buf = buf.subarray(1);
          sock.write(challenge);
          phase = 2;
        } else if (phase === 2 && buf.length >= 16) {
          const ok = buf.subarray(0, 16).equals(vncAuthResponse(password, challenge));
          buf = buf.subarray(16);
          const result = Buffer.alloc(4);
          result.writeUInt32BE(ok ? 0 : 1);
          if (!ok) {
            const reason = Buffer.from("Authentication failed");
            const len = Buffer.alloc(4);
            len.writeUInt32BE(reason.length);
            sock.end(Buffer.concat([result, len, reason]));
            return;
          }
          sock.write(result);
          phase = 3;
        } else if (phase === 3 && buf.length >= 1) {
          shared.push(buf[0]!);
          buf = buf.subarray(1);
          const init = Buffer.alloc(24);
          init.writeUInt16BE(640, 0);
          init.writeUInt16BE(480, 2);
          init.writeUInt32BE(4, 20);
          sock.write(Buffer.concat([init, Buffer.from("test")]));
          phase = 4;
        } else if (phase === 4 && buf.length >= 8 && buf[0] === 4) {
          keys.push({ down: buf[1] === 1, keysym: buf.readUInt32BE(4) });
          buf = buf.subarray(8);
        } else return;
      }
    });
    sock.on("error", () => undefined);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, port: (server.address() as AddressInfo).port, keys, shared };
}

test("the RFB client authenticates, asks for an exclusive session and types keysyms as Packer's VNC driver does", async (t) => {
  const { server, port, keys, shared } = await rfbServer("s3cret!x");
  t.teardown(() => server.close());
  const client = await RfbClient.connect({ host: "127.0.0.1", port, password: "s3cret!x", exclusive: true, timeoutMs: 10_000 });
  t.teardown(() => client.close());
  t.is(client.serverName, "test");
  t.deepEqual(shared, [0]);
  const plan = parseBootCommands(["Hi <enter><leftCtrlOn>c<leftCtrlOff>"], 0);
  await typeOverVnc(client, plan.actions, 0, AbortSignal.timeout(10_000));
  const expected = [
    [KEYSYM_LEFT_SHIFT, true], [0x48, true], [0x48, false], [KEYSYM_LEFT_SHIFT, false],
    [0x69, true], [0x69, false], [0x20, true], [0x20, false], [0xff0d, true], [0xff0d, false],
    [0xffe3, true], [0x63, true], [0x63, false], [0xffe3, false],
  ].map(([keysym, down]) => ({ keysym, down }));
  const deadline = Date.now() + 10_000;
  while (keys.length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.deepEqual(keys, expected);
});

test("a wrong VNC password fails the handshake with the server's reason", async (t) => {
  const { server, port } = await rfbServer("right");
  t.teardown(() => server.close());
  await t.throwsAsync(RfbClient.connect({ host: "127.0.0.1", port, password: "wrong", timeoutMs: 10_000 }), { message: "VNC authentication failed: Authentication failed" });
});

test("QEMU's own VNC server accepts the client with its password and refuses a wrong one", async (t) => {
  const qemu = await findOnPath(process.env, "qemu-system-x86_64");
  if (!qemu) return t.pass("qemu-system-x86_64 is not installed: nothing to talk to");
  const lease = await leasePort(5900, 5999, "127.0.0.1", "vnc test");
  t.teardown(() => lease.release());
  const child = spawn(qemu, ["-machine", "none", "-S", "-nodefaults", "-object", "secret,id=vncpw,data=pa55word", "-vnc", `127.0.0.1:${lease.port - 5900},password-secret=vncpw`], { stdio: "ignore" });
  t.teardown(() => void child.kill("SIGKILL"));
  const deadline = Date.now() + 30_000;
  let client: RfbClient | undefined;
  let lastError: unknown;
  while (!client && Date.now() < deadline) {
    client = await RfbClient.connect({ host: "127.0.0.1", port: lease.port, password: "pa55word", timeoutMs: 5_000 }).catch((e: unknown) => {
      lastError = e;
      return undefined;
    });
    if (!client) await new Promise((r) => setTimeout(r, 200));
  }
  t.truthy(client, `no VNC session with QEMU: ${String(lastError)}`);
  client?.close();
  await t.throwsAsync(RfbClient.connect({ host: "127.0.0.1", port: lease.port, password: "wrongpw", timeoutMs: 5_000 }), { message: /VNC authentication failed/ });
});
