// Webhook sink against a local HTTP server: batches of at most batchSize, each signed with an
// HMAC the receiver verifies; 500s are retried with backoff until accepted (same events again);
// a 4xx is retried at the slow pace and nothing is skipped; the sessions of one commit (one chain
// entry) are sent one event each, across batches, and resumed inside the entry.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { eventually } from "../support/eventually.js";
import { exchange } from "../storage/exchange-fixtures.js";
import { type SinkHarness, startSinkHarness } from "./sink-harness.js";
import { startWebhookReceiver } from "./webhook-receiver.js";

const SECRET = "whsec-test-0123456789";

interface Received {
  status: number;
  seqs: number[];
  signatureOk: boolean;
  delivery: string;
}

function verify(body: Buffer, header: string | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`);
  const given = Buffer.from(header ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe("webhook sink", () => {
  let harness: SinkHarness;
  let server: Server;
  let url: string;
  const received: Received[] = [];
  // Statuses to answer next, in order; then 204.
  const script: number[] = [];

  beforeAll(async () => {
    harness = await startSinkHarness();
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const events = JSON.parse(body.toString("utf8")) as Array<{ palisade: { seq: number } }>;
        const status = script.shift() ?? 204;
        received.push({
          status, seqs: events.map((event) => event.palisade.seq),
          signatureOk: verify(body, req.headers["x-palisade-signature"] as string | undefined),
          delivery: String(req.headers["x-palisade-delivery"]),
        });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await harness?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it("posts signed batches of batchSize, retries 500s, and delivers every entry", async () => {
    await harness.append(25);
    script.push(500, 503, 500);
    await harness.apply({ name: "siem", target: { case: "webhook", value: { url, secret: SECRET, batchSize: 10 } } });
    await harness.deliver();
    await eventually("the cursor at 25", async () => (await harness.cursor("siem")) === 25);

    expect(received.every((r) => r.signatureOk)).toBe(true);
    expect(received.every((r) => r.seqs.length <= 10)).toBe(true);
    // The first batch was refused three times and sent again, identical, until accepted.
    expect(received.slice(0, 4).map((r) => r.status)).toEqual([500, 503, 500, 204]);
    expect(new Set(received.slice(0, 4).map((r) => r.seqs.join(",")))).toEqual(new Set(["1,2,3,4,5,6,7,8,9,10"]));
    expect(new Set(received.slice(0, 4).map((r) => r.delivery))).toEqual(new Set(["siem:1-10"]));
    const accepted = received.filter((r) => r.status === 204).flatMap((r) => r.seqs);
    expect(accepted).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it("keeps events through a 4xx and delivers them once the receiver accepts", async () => {
    received.length = 0;
    script.push(401);
    await harness.append(3, 26);
    await eventually("the cursor at 28", async () => (await harness.cursor("siem")) === 28, 10_000);
    expect(received.map((r) => r.status)).toEqual([401, 204]);
    expect(received[1]!.seqs).toEqual([26, 27, 28]);
  });

  it("sends each session of a commit as its own event, cutting its entry across batches", async () => {
    await createExchangeSink(harness.db).commit("edge", Array.from({ length: 7 }, (_, i) => exchange(`w-${i}`)));
    const [head] = await harness.db.em().execute<{ seq: string | number }[]>("select max(seq) as seq from audit_log");
    const seq = Number(head!.seq);
    const receiver = await startWebhookReceiver();
    try {
      receiver.script.push(500);
      await harness.apply({ name: "sessions", target: { case: "webhook", value: { url: receiver.url, secret: SECRET, batchSize: 3 } }, events: ["session"] });
      await eventually("the sessions sink at the head", async () => (await harness.cursor("sessions")) === seq);
      // The first batch refused once and sent again, the same events under the same delivery id.
      expect(receiver.batches.map((b) => [b.status, b.delivery])).toEqual([
        [500, `sessions:${seq}.1-${seq}.3`], [204, `sessions:${seq}.1-${seq}.3`], [204, `sessions:${seq}.4-${seq}.6`], [204, `sessions:${seq}.7-${seq}.7`],
      ]);
      expect(receiver.batches.filter((b) => b.status === 204).flatMap((b) => b.sessions)).toEqual(Array.from({ length: 7 }, (_, i) => `w-${i}`));
    } finally {
      await receiver.close();
    }
  });

  it("stops promptly while a receiver holds a request unanswered", async () => {
    let requests = 0;
    const hanging = createServer(() => { requests += 1; });
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    try {
      const hangUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/hook`;
      await harness.apply({ name: "hang", target: { case: "webhook", value: { url: hangUrl, secret: SECRET } } });
      const delivery = await harness.deliver();
      await eventually("the request to the hanging receiver", () => requests > 0);
      const started = Date.now();
      await delivery.close();
      // Generous bound (the request timeout is 15 s): the request in flight is abandoned, not awaited.
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await harness.cursor("hang")).toBe(0);
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  it("refuses a signature made with another secret", () => {
    const body = Buffer.from("[]");
    const forged = `sha256=${createHmac("sha256", "other").update(body).digest("hex")}`;
    expect(verify(body, forged)).toBe(false);
  });
});
