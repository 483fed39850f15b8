import { describe, expect, it } from "vitest";
import { createOutboundQueue } from "./outbound-queue.js";

const overflow = () => new Error("full");

async function drain<T>(iterable: AsyncIterable<T>): Promise<{ items: T[]; error?: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of iterable) items.push(item);
    return { items };
  } catch (error) {
    return { items, error };
  }
}

describe("outbound queue", () => {
  it("delivers queued items, then completes on end()", async () => {
    const queue = createOutboundQueue<number>({ limit: 10, overflowError: overflow });
    queue.push(1);
    const result = drain(queue);
    queue.push(2);
    queue.end();
    expect(await result).toEqual({ items: [1, 2] });
    expect(queue.push(3)).toBe(false);
  });

  it("delivers what is queued before the error end() was given", async () => {
    const queue = createOutboundQueue<number>({ limit: 10, overflowError: overflow });
    queue.push(1);
    const stop = new Error("stop");
    queue.end(stop);
    queue.end(new Error("second end is ignored"));
    expect(await drain(queue)).toEqual({ items: [1], error: stop });
  });

  it("drops queued items a new one supersedes", async () => {
    const queue = createOutboundQueue<string>({ limit: 10, overflowError: overflow });
    const isSnapshot = (item: string) => item.startsWith("snapshot");
    queue.push("welcome");
    queue.push("snapshot 1", isSnapshot);
    queue.push("ack");
    queue.push("snapshot 2", isSnapshot);
    queue.end();
    expect((await drain(queue)).items).toEqual(["welcome", "ack", "snapshot 2"]);
  });

  it("ends with the overflow error when the limit is exceeded", async () => {
    const queue = createOutboundQueue<number>({ limit: 2, overflowError: overflow });
    expect(queue.push(1)).toBe(true);
    expect(queue.push(2)).toBe(true);
    expect(queue.push(3)).toBe(false);
    expect(queue.ended).toBe(true);
    const result = await drain(queue);
    expect(result.items).toEqual([1, 2]);
    expect((result.error as Error).message).toBe("full");
  });

  it("stops when the consumer returns or throws", async () => {
    const queue = createOutboundQueue<number>({ limit: 10, overflowError: overflow });
    queue.push(1);
    for await (const item of queue) {
      expect(item).toBe(1);
      break; // calls return()
    }
    expect(queue.ended).toBe(true);
    expect(queue.push(2)).toBe(false);

    const other = createOutboundQueue<number>({ limit: 10, overflowError: overflow });
    const iterator = other[Symbol.asyncIterator]();
    await expect(iterator.throw!(new Error("aborted"))).rejects.toThrow("aborted");
    expect(other.ended).toBe(true);
  });
});
