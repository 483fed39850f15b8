// Database conflicts an admin caller can resolve by retrying, mapped to ABORTED.
import { Code, ConnectError } from "@connectrpc/connect";
import { DeadlockException, UniqueConstraintViolationException } from "@mikro-orm/core";

/** Runs `work`, turning a concurrent-change conflict into ABORTED naming `what`. */
export async function retryableConflicts<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException || error instanceof DeadlockException) {
      throw new ConnectError(`${what} changed concurrently; retry`, Code.Aborted);
    }
    throw error;
  }
}
