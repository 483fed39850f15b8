// Conflicts from concurrent admin changes reach callers as ABORTED, everything else unchanged.
import { Code, ConnectError } from "@connectrpc/connect";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import { describe, expect, it } from "vitest";
import { retryableConflicts } from "./storage-errors.js";

describe("retryableConflicts", () => {
  it("turns a unique violation into ABORTED and passes other outcomes through", async () => {
    const conflict = new UniqueConstraintViolationException(new Error("duplicate key"));
    const error = await retryableConflicts("agent \"a\"", () => Promise.reject(conflict)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Aborted);
    expect((error as ConnectError).rawMessage).toBe('agent "a" changed concurrently; retry');
    await expect(retryableConflicts("x", () => Promise.resolve(7))).resolves.toBe(7);
    await expect(retryableConflicts("x", () => Promise.reject(new Error("other")))).rejects.toThrow("other");
  });
});
