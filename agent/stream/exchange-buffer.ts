// The agent's bounded buffer of recorded exchanges awaiting the control plane's ExchangeAck.
//
// Policy when full: FAIL CLOSED. A request reserves its slot before anything else happens; when no
// slot is free the request is refused (503, "audit buffer full") and the refusal is counted, because
// a request that cannot be audited must not be forwarded. Reserving up front (instead of checking
// the size) means an admitted request can always be recorded, however many run at once. Besides
// the count, the records held are bounded in size (their bodies' characters): once they reach it,
// new requests are refused the same way, so a control plane that is away while callers send large
// prompts costs at most that much memory (plus the records of requests already in flight), not
// `capacity` times the record limit.
//
// An exchange leaves only when an ExchangeAck names its id. Exchanges sent on a stream that then
// broke are sent again on the next one (`resendAll`); the control plane deduplicates by id.
//
// Each exchange is held encoded (its protobuf bytes), encoded when it is committed: a batch send
// then only frames bytes already made, instead of encoding up to 100 records in one go on the
// event loop (1-2 ms that stalled whichever request came next, once per batch), and the records
// waiting for their ACK sit outside V8's heap (an ArrayBuffer's store), so the young-generation
// GC no longer copies their bodies and object graphs every time it runs. The encoder is generated
// from the schema (core/protobuf/compiled-encoder.ts): toBinary's bytes in about half its time.
import { compiledEncoder } from "../../core/protobuf/compiled-encoder.js";
import { type Exchange, ExchangeSchema } from "../../gen/palisade/agent/v1/exchange_pb.js";

const encodeExchange = compiledEncoder(ExchangeSchema);

/** A committed exchange as held and sent: its id (for the ACK) and its protobuf encoding. */
export interface EncodedExchange {
  readonly id: string;
  readonly bytes: Uint8Array;
}

/** A reserved place for one exchange; exactly one of `commit`/`release` takes effect. */
export interface BufferSlot {
  commit(exchange: Exchange): void;
  release(): void;
}

/** Bounded, acknowledged store of exchanges. */
export interface ExchangeBuffer {
  /** Reserves room for one exchange, or undefined (and counts a refusal) when full. */
  reserve(): BufferSlot | undefined;
  /**
   * Committed exchanges not yet sent on the current stream, now marked sent: at most `max` of them
   * and about `maxBytes` of bodies (always at least one, so a huge exchange still goes).
   */
  takeUnsent(max: number, maxBytes?: number): EncodedExchange[];
  /** Marks every held exchange unsent (a new stream must carry them again). */
  resendAll(): void;
  /** Removes acknowledged exchanges; returns how many were held. */
  ack(ids: readonly string[]): number;
  /** Committed exchanges held (sent or not) awaiting an ack. */
  readonly held: number;
  /** Committed exchanges not yet sent on the current stream. */
  readonly unsent: number;
  /** Roughly the size of the committed exchanges held (their bodies' characters and writes' bytes). */
  readonly heldBytes: number;
  /** Requests refused because the buffer was full, since start. */
  readonly refusals: number;
  /** Calls `listener` whenever an exchange is committed or space frees up. */
  onChange(listener: () => void): void;
}

/** Roughly the encoded size of an exchange: its bodies dominate. */
function approximateSize(exchange: Exchange): number {
  // Streamed writes (replay) count with a few bytes of framing each.
  const writes = exchange.responseChunks.reduce((sum, chunk) => sum + chunk.data.length + 16, 0);
  return exchange.requestBody.length + exchange.responseBody.length + writes + 512;
}

/**
 * Creates a buffer holding at most `capacity` exchanges (reserved slots included) and admitting no
 * new request while the exchanges held add up to `maxBytes` or more (approximateSize).
 */
export function createExchangeBuffer(capacity: number, maxBytes = Number.POSITIVE_INFINITY): ExchangeBuffer {
  if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`buffer size must be a positive integer, got ${capacity}`);
  if (!(maxBytes >= 1)) throw new Error(`buffer bytes must be positive, got ${maxBytes}`);
  const exchanges = new Map<string, EncodedExchange>(); // insertion order = send order
  const sizes = new Map<string, number>();
  let heldBytes = 0;
  const unsent = new Set<string>();
  const listeners: (() => void)[] = [];
  let reserved = 0;
  let refusals = 0;
  const changed = () => { for (const listener of listeners) listener(); };

  return {
    reserve() {
      if (exchanges.size + reserved >= capacity || heldBytes >= maxBytes) {
        refusals++;
        return undefined;
      }
      reserved++;
      let open = true;
      const close = () => {
        const wasOpen = open;
        open = false;
        if (wasOpen) reserved--;
        return wasOpen;
      };
      return {
        commit(exchange) {
          if (!close()) return;
          // Encoded first: an exchange that cannot be encoded (it throws) leaves nothing counted as held.
          const bytes = encodeExchange(exchange);
          const size = approximateSize(exchange);
          heldBytes += size - (sizes.get(exchange.id) ?? 0);
          sizes.set(exchange.id, size);
          exchanges.set(exchange.id, { id: exchange.id, bytes });
          unsent.add(exchange.id);
          changed();
        },
        release() {
          if (close()) changed();
        },
      };
    },
    takeUnsent(max, maxBytes = Infinity) {
      const batch: EncodedExchange[] = [];
      let bytes = 0;
      for (const id of unsent) {
        const exchange = exchanges.get(id);
        const size = sizes.get(id) ?? 0;
        if (batch.length >= max || (batch.length > 0 && bytes + size > maxBytes)) break;
        if (exchange) batch.push(exchange);
        bytes += size;
        unsent.delete(id);
      }
      return batch;
    },
    resendAll() {
      unsent.clear();
      for (const id of exchanges.keys()) unsent.add(id);
    },
    ack(ids) {
      let removed = 0;
      for (const id of ids) {
        if (exchanges.delete(id)) {
          removed++;
          heldBytes -= sizes.get(id) ?? 0;
          sizes.delete(id);
        }
        unsent.delete(id);
      }
      if (removed > 0) changed();
      return removed;
    },
    // biome-ignore lint/plugin: made once per process (or per connection), not per request
    get held() {
      return exchanges.size;
    },
    // biome-ignore lint/plugin: made once per process (or per connection), not per request
    get unsent() {
      return unsent.size;
    },
    // biome-ignore lint/plugin: made once per process (or per connection), not per request
    get heldBytes() {
      return heldBytes;
    },
    // biome-ignore lint/plugin: made once per process (or per connection), not per request
    get refusals() {
      return refusals;
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}
