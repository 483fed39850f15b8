// What a sink's worker needs from its destination.
import type { SinkEvent } from "../sink-event.js";

/** One destination: file, webhook or syslog. */
export interface SinkTarget {
  /** Events read per batch. */
  readonly batchSize: number;
  /** Delivers `events` in order; resolves once the destination accepted all, rejects otherwise. */
  deliver(events: SinkEvent[]): Promise<void>;
  /** Releases files and connections. */
  close(): Promise<void>;
}

/**
 * A failure retrying soon will not fix (a webhook answering 4xx: wrong URL or secret, payload
 * refused). The worker keeps the events and retries at its slowest pace; nothing is dropped.
 */
export class PersistentSinkError extends Error {}
