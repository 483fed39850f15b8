// Syslog sink against local receivers: RFC 6587 octet-counted frames of RFC 5424 messages over TCP
// and over TLS (a private CA given as caFile), and a reconnect after the receiver drops the link.
import net from "node:net";
import tls from "node:tls";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPki, type TestPki } from "../tls/certificates.js";
import { eventually } from "../support/eventually.js";
import { noSinkMetrics } from "../../control-plane/sinks/sink-metrics.js";
import { type SinkHarness, startSinkHarness } from "./sink-harness.js";

interface Receiver {
  port: number;
  messages: string[];
  /** Connections open now. */
  connections(): number;
  /** Ends every open connection (the sink must reconnect). */
  drop(): void;
  close(): Promise<void>;
}

/** Splits octet-counted frames: `<len> <msg>`, len counting the message's bytes. */
function frameReader(onMessage: (message: string) => void): (chunk: Buffer) => void {
  let buffered = Buffer.alloc(0);
  return (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const space = buffered.indexOf(0x20);
      if (space < 0) return;
      const length = Number(buffered.subarray(0, space).toString("ascii"));
      if (!Number.isInteger(length) || length <= 0) throw new Error(`bad frame length "${buffered.subarray(0, space)}"`);
      if (buffered.length < space + 1 + length) return;
      onMessage(buffered.subarray(space + 1, space + 1 + length).toString("utf8"));
      buffered = buffered.subarray(space + 1 + length);
    }
  };
}

async function startReceiver(pki?: TestPki): Promise<Receiver> {
  const messages: string[] = [];
  const sockets = new Set<net.Socket>();
  const onSocket = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.on("data", frameReader((message) => messages.push(message)));
  };
  const server = pki ? tls.createServer({ cert: pki.server.cert, key: pki.server.key }, onSocket) : net.createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    messages,
    connections: () => sockets.size,
    drop: () => { for (const socket of sockets) socket.end(); },
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

// <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG
const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) - (.*)$/s;

describe("syslog sink", () => {
  let harness: SinkHarness;
  let pki: TestPki;
  const receivers: Receiver[] = [];
  const failures = new Map<string, number>();
  beforeAll(async () => {
    harness = await startSinkHarness();
    pki = await createTestPki();
    await harness.deliver({ ...noSinkMetrics, failed: (sink) => failures.set(sink, (failures.get(sink) ?? 0) + 1) });
  });
  afterAll(async () => {
    await harness?.close();
    for (const receiver of receivers) await receiver.close();
    await pki?.remove();
  });

  it("sends RFC 5424 messages in octet-counted frames over TCP, reconnecting after a drop", async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    await harness.append(5);
    await harness.apply({ name: "tcp", target: { case: "syslog", value: { address: `127.0.0.1:${receiver.port}`, appName: "palisade-test" } } });
    await eventually("five messages", () => receiver.messages.length >= 5);

    const parsed = receiver.messages.map((message) => RFC5424.exec(message));
    expect(parsed.every(Boolean)).toBe(true);
    const [, pri, timestamp, , app, procId, msgId, msg] = parsed[0]!;
    expect(Number(pri)).toBe(13 * 8 + 5); // log audit, notice (an admin action)
    expect(Date.parse(timestamp!)).not.toBeNaN();
    expect(app).toBe("palisade-test");
    expect(procId).toBe(String(process.pid));
    expect(msgId).toBe("admin");
    // Plain ASCII on the wire (non-ASCII escaped), the same text once parsed.
    expect(msg).toMatch(/^[\x20-\x7e]+$/);
    expect(JSON.parse(msg!).palisade.payload.note).toBe("café ☕");
    expect(receiver.messages.map((m) => JSON.parse(RFC5424.exec(m)![7]!).palisade.seq)).toEqual([1, 2, 3, 4, 5]);

    receiver.drop();
    await eventually("the sink's connection closed", () => receiver.connections() === 0);
    await harness.append(3, 6);
    await eventually("three more messages after the reconnect", () => receiver.messages.length >= 8);
    const seqs = receiver.messages.map((m) => JSON.parse(RFC5424.exec(m)![7]!).palisade.seq as number);
    expect([...new Set(seqs)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("speaks TLS to a receiver whose certificate the caFile vouches for", async () => {
    const receiver = await startReceiver(pki);
    receivers.push(receiver);
    expect(await readFile(pki.files.caFile, "utf8")).toContain("BEGIN CERTIFICATE");
    await harness.apply({
      name: "tls", events: ["admin"],
      target: { case: "syslog", value: { address: `localhost:${receiver.port}`, tls: true, caFile: pki.files.caFile } },
    });
    await eventually("the whole log over TLS", () => receiver.messages.length >= 8);
    const first = RFC5424.exec(receiver.messages[0]!)!;
    expect(first[4]).toBe("palisade");
    expect(JSON.parse(first[7]!).palisade.seq).toBe(1);
  });

  it("does not deliver to a TLS receiver it cannot verify, and keeps the cursor", async () => {
    const receiver = await startReceiver(pki);
    receivers.push(receiver);
    await harness.apply({
      name: "untrusted",
      target: { case: "syslog", value: { address: `localhost:${receiver.port}`, tls: true, caFile: pki.files.otherCaFile } },
    });
    // Two failed attempts: the first connection and its retry were both refused.
    await eventually("two failed deliveries to the untrusted receiver", () => (failures.get("untrusted") ?? 0) >= 2);
    expect(receiver.messages).toHaveLength(0);
    expect(await harness.cursor("untrusted")).toBe(0);
  });
});
