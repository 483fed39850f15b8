// Batches POSTed as a JSON array through the shared webhook client, signed with the sink's secret
// (`x-palisade-signature`, control-plane/webhooks/webhook-signature.ts). 2xx delivers; 408, 425,
// 429, 5xx, timeouts and network errors are transient (the worker retries with backoff); a 3xx
// (never followed), any other status or a refused URL/address is a PersistentSinkError (retried at
// the slowest pace: a wrong URL or secret is fixed by an operator, and dropping audit events is
// not an option). The client makes one attempt per delivery: the worker owns the retries.
import { createWebhookClient, WebhookError } from "../../webhooks/webhook-client.js";
import type { SinkEvent } from "../sink-event.js";
import { PersistentSinkError, type SinkTarget } from "./sink-target.js";

/** A webhook sink's settings, defaults applied. */
export interface WebhookTargetOptions {
  sink: string;
  url: string;
  secret: string;
  batchSize: number;
  /** Per-request time limit from the request to the end of the answer; default 15 s. */
  timeoutMs?: number;
}

// An event's place in the log: its seq, and `.index` for a session of a 'sessions' entry.
function position(event: SinkEvent): string {
  const { seq, index } = event.palisade;
  return index === undefined ? String(seq) : `${String(seq)}.${String(index)}`;
}

/** Default events per request. */
export const WEBHOOK_DEFAULT_BATCH = 100;

/** A webhook target with its own connections (closing it abandons a request in flight). */
export function createWebhookTarget(options: WebhookTargetOptions): SinkTarget {
  const client = createWebhookClient({ userAgent: "palisade-audit-sink", timeoutMs: options.timeoutMs ?? 15_000, attempts: 1 });
  return {
    batchSize: options.batchSize,
    async deliver(events) {
      const first = events[0] && position(events[0]);
      const last = events.at(-1) && position(events.at(-1)!);
      try {
        await client.post({
          url: options.url,
          body: JSON.stringify(events),
          secret: options.secret,
          headers: {
            // Same value on every retry of the same events: receivers can drop duplicates.
            "x-palisade-delivery": `${options.sink}:${first}-${last}`,
            "x-palisade-sink": options.sink,
          },
        });
      } catch (error) {
        if (error instanceof WebhookError && !error.retryable && error.failure !== "aborted") throw new PersistentSinkError(error.message);
        throw error;
      }
    },
    async close() {
      // A request in flight is abandoned (its events are sent again later).
      await client.close();
    },
  };
}
