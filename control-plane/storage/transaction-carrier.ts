// Rows that ride along with a transaction: code above storage (the admin audit interceptor) puts a
// carrier in the async context of a call; Database.transaction asks it, just before commit, to add
// its rows in the same transaction. Storage defines the hook and knows nothing of what is carried.
import { AsyncLocalStorage } from "node:async_hooks";
import type { EntityManager } from "@mikro-orm/sql";

/** Adds rows to `tx` before it commits; returns what to call once `tx` has committed, if anything. */
export type TransactionCarrier = (tx: EntityManager) => Promise<(() => void) | undefined>;

const carriers = new AsyncLocalStorage<TransactionCarrier>();

/** Runs `work` with `carrier` asked by every transaction committed in its async context. */
export function runWithCarrier<T>(carrier: TransactionCarrier, work: () => T): T {
  return carriers.run(carrier, work);
}

/** The carrier of the current async context, if any. */
export function currentCarrier(): TransactionCarrier | undefined {
  return carriers.getStore();
}
