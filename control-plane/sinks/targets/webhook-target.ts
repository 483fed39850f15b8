// Batches POSTed as a JSON array, signed: `x-palisade-signature: sha256=<hex HMAC-SHA256 of the
// body with the sink's secret>`. 2xx delivers; 408, 429 and 5xx (and network errors) are retried
// with backoff; any other status is a PersistentSinkError (retried at the slowest pace: a wrong
// URL or secret is fixed by an operator, and dropping audit events is not an option).
import { createHmac } from "node:crypto";
import { Agent, type Dispatcher } from "undici";
import { PersistentSinkError, type SinkTarget } from "./sink-target.js";

/** A webhook sink's settings, defaults applied. */
export interface WebhookTargetOptions {
  sink: string;
  url: string;
  secret: string;
  batchSize: number;
  /** Per-request time limit for the answer's headers and body; default 15 s. */
  timeoutMs?: number;
  /** For tests: the dispatcher to send through (else one Agent per target). */
  dispatcher?: Dispatcher;
}

/** Default events per request. */
export const WEBHOOK_DEFAULT_BATCH = 100;
const TRANSIENT = new Set([408, 425, 429]);

/** The signature header value of `body` under `secret`. */
export function webhookSignature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** A webhook target. */
export function createWebhookTarget(options: WebhookTargetOptions): SinkTarget {
  const timeout = options.timeoutMs ?? 15_000;
  const owned = options.dispatcher ? undefined : new Agent({ connectTimeout: timeout, headersTimeout: timeout, bodyTimeout: timeout });
  const dispatcher = options.dispatcher ?? owned!;
  const url = new URL(options.url);
  return {
    batchSize: options.batchSize,
    async deliver(events) {
      const first = events[0]?.palisade.seq;
      const last = events[events.length - 1]?.palisade.seq;
      const body = JSON.stringify(events);
      const response = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "palisade-audit-sink",
          "x-palisade-signature": webhookSignature(options.secret, body),
          // Same value on every retry of the same events: receivers can drop duplicates.
          "x-palisade-delivery": `${options.sink}:${first}-${last}`,
          "x-palisade-sink": options.sink,
        },
        body,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      const status = response.statusCode;
      if (status >= 200 && status < 300) return;
      const message = `webhook ${url.origin}${url.pathname} answered ${status}`;
      if (status >= 500 || TRANSIENT.has(status)) throw new Error(message);
      throw new PersistentSinkError(message);
    },
    async close() {
      // Destroy, not close: a request in flight is abandoned (its events are sent again later).
      await owned?.destroy();
    },
  };
}
