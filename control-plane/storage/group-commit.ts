// Group commit: batches submitted while earlier ones are being committed are combined into the
// next transaction, so concurrent streams share one transaction (one audit-chain lock, one WAL
// flush) instead of queueing for the lock one small batch at a time. No batch waits for a timer:
// with nothing in flight a batch is committed at once.
/** Commits submitted items in combined groups. */
export interface GroupCommitter<T> {
  /** Resolves once `items` are committed (with others); rejects when their group failed. */
  submit(items: readonly T[]): Promise<void>;
}

interface Waiting<T> {
  items: readonly T[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * A committer running `commit` on groups of at most `maxItems` items (a single larger submission
 * goes alone), with at most `maxInFlight` groups committing at once.
 */
export function createGroupCommitter<T>(
  commit: (items: readonly T[]) => Promise<void>,
  options: { maxItems: number; maxInFlight: number },
): GroupCommitter<T> {
  const queue: Waiting<T>[] = [];
  let inFlight = 0;

  function takeGroup(): Waiting<T>[] {
    const group: Waiting<T>[] = [];
    let count = 0;
    while (queue.length > 0 && (group.length === 0 || count + queue[0]!.items.length <= options.maxItems)) {
      const next = queue.shift()!;
      group.push(next);
      count += next.items.length;
    }
    return group;
  }

  function pump(): void {
    while (inFlight < options.maxInFlight && queue.length > 0) {
      const group = takeGroup();
      inFlight += 1;
      commit(group.flatMap((waiting) => waiting.items)).then(
        () => { for (const waiting of group) waiting.resolve(); },
        (error: unknown) => { for (const waiting of group) waiting.reject(error); },
      ).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  }

  return {
    submit(items) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ items, resolve, reject });
        pump();
      });
    },
  };
}
