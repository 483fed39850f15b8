// A local webhook receiver for sink tests: records each POSTed batch's seqs and the status it gave.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** What the receiver got. */
export interface WebhookReceiver {
  url: string;
  /** Seqs of batches answered 2xx, in arrival order (duplicates kept). */
  accepted: number[];
  requests: number;
  close(): Promise<void>;
}

/** Starts a receiver answering 204 after `delayMs`. */
export async function startWebhookReceiver(delayMs = 0): Promise<WebhookReceiver> {
  const accepted: number[] = [];
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      requests += 1;
      const events = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Array<{ palisade: { seq: number } }>;
      setTimeout(() => {
        if (res.destroyed) return;
        accepted.push(...events.map((event) => event.palisade.seq));
        res.writeHead(204).end();
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    accepted,
    get requests() {
      return requests;
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
