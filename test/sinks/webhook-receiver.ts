// A local webhook receiver for sink tests: records each POSTed batch's seqs and the status it gave.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as received. */
export interface ReceivedBatch {
  status: number;
  /** The `x-palisade-delivery` header. */
  delivery: string;
  /** `palisade.session` of each event ("" for events that are not sessions). */
  sessions: string[];
}

/** What the receiver got. */
export interface WebhookReceiver {
  url: string;
  /** Seqs of batches answered 2xx, in arrival order (duplicates kept). */
  accepted: number[];
  /** Every request, in arrival order. */
  batches: ReceivedBatch[];
  /** Statuses to answer next, in order; then 204. */
  script: number[];
  requests: number;
  close(): Promise<void>;
}

/** Starts a receiver answering 204 (or what `script` says) after `delayMs`. */
export async function startWebhookReceiver(delayMs = 0): Promise<WebhookReceiver> {
  const accepted: number[] = [];
  const batches: ReceivedBatch[] = [];
  const script: number[] = [];
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      requests += 1;
      const events = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Array<{ palisade: { seq: number; session?: string } }>;
      const status = script.shift() ?? 204;
      setTimeout(() => {
        if (res.destroyed) return;
        batches.push({ status, delivery: String(req.headers["x-palisade-delivery"]), sessions: events.map((event) => event.palisade.session ?? "") });
        if (status < 300) accepted.push(...events.map((event) => event.palisade.seq));
        res.writeHead(status).end();
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    accepted,
    batches,
    script,
    get requests() {
      return requests;
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
