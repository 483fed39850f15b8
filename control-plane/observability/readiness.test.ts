import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import { createHttpEndpoints } from "./http-endpoints.js";
import { createReadinessProbe } from "./readiness.js";

// A reply that keeps what was written, resolving once ended.
function reply() {
  let status = 0;
  let body = "";
  let ended!: () => void;
  const done = new Promise<void>((resolve) => (ended = resolve));
  return {
    res: {
      writeHead(code: number) { status = code; },
      end(text: string) { body = text; ended(); },
    },
    async result() {
      await done;
      return { status, body: JSON.parse(body) as Record<string, unknown> };
    },
  };
}

describe("readiness", () => {
  it("is ready when the database answers and the snapshot cache is built", async () => {
    const probe = createReadinessProbe({ pingDatabase: async () => {}, snapshotVersion: () => "7" });
    expect(await probe.check()).toEqual({ ready: true, version: "7" });
  });

  it("says why it is not ready: no snapshot, database down or silent, shutting down", async () => {
    const unbuilt = createReadinessProbe({ pingDatabase: async () => {}, snapshotVersion: () => undefined });
    expect(await unbuilt.check()).toMatchObject({ ready: false, reason: "snapshot cache not built yet" });
    const down = createReadinessProbe({ pingDatabase: () => Promise.reject(new Error("connection refused")), snapshotVersion: () => "1" });
    expect(await down.check()).toMatchObject({ ready: false, reason: "database unavailable: connection refused" });
    const silent = createReadinessProbe({ pingDatabase: () => new Promise(() => {}), snapshotVersion: () => "1", timeoutMs: 10 });
    expect(await silent.check()).toMatchObject({ ready: false, reason: expect.stringContaining("no answer within 10 ms") });
    const closing = createReadinessProbe({ pingDatabase: async () => {}, snapshotVersion: () => "1" });
    closing.markClosing();
    expect(await closing.check()).toMatchObject({ ready: false, reason: "shutting down" });
  });

  it("/readyz answers 503 with the reason as JSON, 200 when ready; other paths are not its", async () => {
    const down = createReadinessProbe({ pingDatabase: () => Promise.reject(new Error("gone")), snapshotVersion: () => "1" });
    const endpoints = createHttpEndpoints(down, new Registry());
    const notReady = reply();
    expect(endpoints({ method: "GET", url: "/readyz" }, notReady.res)).toBe(true);
    expect(await notReady.result()).toEqual({ status: 503, body: { ready: false, reason: "database unavailable: gone" } });

    const up = createHttpEndpoints(createReadinessProbe({ pingDatabase: async () => {}, snapshotVersion: () => "3" }), new Registry());
    const ready = reply();
    expect(up({ method: "GET", url: "/readyz?verbose" }, ready.res)).toBe(true);
    expect(await ready.result()).toEqual({ status: 200, body: { ready: true, version: "3" } });
    expect(up({ method: "POST", url: "/readyz" }, reply().res)).toBe(false);
    expect(up({ method: "GET", url: "/elsewhere" }, reply().res)).toBe(false);
  });
});
