// A bounded, single-consumer queue that feeds a streaming RPC's response. Producers (the request
// reader, snapshot watch, heartbeat timer) push; the RPC framework pulls through the async
// iterator, so a slow reader never makes a producer await.

/** Options for {@link createOutboundQueue}. */
export interface OutboundQueueOptions {
  /** Most items held unsent; one more ends the queue with `overflowError()`. */
  limit: number;
  /** The error the consumer sees when the limit is exceeded. */
  overflowError: () => Error;
}

/** A push-side handle plus the async iterable the consumer reads. */
export interface OutboundQueue<T> extends AsyncIterable<T> {
  /**
   * Queues an item unless the queue has ended. Items for which `supersedes` returns true are
   * dropped first (a newer snapshot replaces an unsent older one). Returns false when not queued.
   */
  push(item: T, supersedes?: (queued: T) => boolean): boolean;
  /**
   * Ends the queue. The consumer still receives what is queued, then completes, or throws `error`
   * when one is given. Only the first call counts.
   */
  end(error?: Error): void;
  /** Whether `end` was called or the consumer stopped reading. */
  readonly ended: boolean;
}

/** Creates an empty queue; it may be iterated once. */
export function createOutboundQueue<T>(options: OutboundQueueOptions): OutboundQueue<T> {
  let items: T[] = [];
  let ended = false;
  let endError: Error | undefined;
  let waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;

  // Hands the consumer whatever is due, if it is waiting.
  function settle(): void {
    if (!waiting) return;
    const w = waiting;
    if (items.length > 0) {
      waiting = undefined;
      w.resolve({ done: false, value: items.shift() as T });
    } else if (ended) {
      waiting = undefined;
      const error = endError;
      endError = undefined; // thrown once; later pulls just complete
      if (error) w.reject(error);
      else w.resolve({ done: true, value: undefined });
    }
  }

  function stop(): void {
    ended = true;
    endError = undefined;
    items = [];
    settle();
  }

  const queue: OutboundQueue<T> = {
    get ended() {
      return ended;
    },
    push(item, supersedes) {
      if (ended) return false;
      if (supersedes) items = items.filter((queued) => !supersedes(queued));
      if (items.length >= options.limit) {
        queue.end(options.overflowError());
        return false;
      }
      items.push(item);
      settle();
      return true;
    },
    end(error) {
      if (ended) return;
      ended = true;
      endError = error;
      settle();
    },
    [Symbol.asyncIterator]() {
      return {
        next() {
          return new Promise<IteratorResult<T>>((resolve, reject) => {
            waiting = { resolve, reject };
            settle();
          });
        },
        // The consumer stopped reading (stream finished or cancelled): drop everything.
        return() {
          stop();
          return Promise.resolve({ done: true, value: undefined });
        },
        // The consumer aborts with an error; like an async generator that does not catch it,
        // the queue finishes and rethrows (connect's request pipes require `throw`).
        throw(error?: unknown) {
          stop();
          return Promise.reject(error);
        },
      };
    },
  };
  return queue;
}
