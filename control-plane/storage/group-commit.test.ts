// Group commit: concurrent submissions share transactions, sizes are capped, failures reach every
// batch of the failed group and only those.
import { describe, expect, it } from "vitest";
import { createGroupCommitter } from "./group-commit.js";

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((ok, fail) => { resolve = ok; reject = fail; });
  return { promise, resolve, reject };
}

describe("group commit", () => {
  it("commits at once when idle, then combines what arrived meanwhile, within the size cap", async () => {
    const groups: number[][] = [];
    const gates: Array<ReturnType<typeof deferred>> = [];
    const committer = createGroupCommitter<number>((items) => {
      groups.push([...items]);
      const gate = deferred();
      gates.push(gate);
      return gate.promise;
    }, { maxItems: 4, maxInFlight: 1 });
    const first = committer.submit([1]);
    const rest = [committer.submit([2, 3]), committer.submit([4]), committer.submit([5, 6])];
    expect(groups).toEqual([[1]]);
    gates[0]!.resolve();
    await first;
    await Promise.resolve();
    expect(groups).toEqual([[1], [2, 3, 4]]);
    gates[1]!.resolve();
    await Promise.all(rest.slice(0, 2));
    await Promise.resolve();
    expect(groups).toEqual([[1], [2, 3, 4], [5, 6]]);
    gates[2]!.resolve();
    await rest[2];
  });

  it("fails every batch of a failed group, and only those", async () => {
    let calls = 0;
    const committer = createGroupCommitter<string>(async (items) => {
      calls += 1;
      if (items.includes("bad")) throw new Error("constraint");
    }, { maxItems: 10, maxInFlight: 1 });
    const blocker = committer.submit(["first"]);
    const a = committer.submit(["bad"]);
    const b = committer.submit(["fine"]);
    await blocker;
    await expect(a).rejects.toThrow("constraint");
    await expect(b).rejects.toThrow("constraint");
    await expect(committer.submit(["later"])).resolves.toBeUndefined();
    expect(calls).toBe(3);
  });

  it("runs up to maxInFlight groups at once", async () => {
    let running = 0;
    let peak = 0;
    const committer = createGroupCommitter<number>(async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
    }, { maxItems: 1, maxInFlight: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => committer.submit([n])));
    expect(peak).toBe(2);
  });
});
