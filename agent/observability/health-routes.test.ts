import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { withHealthRoutes } from "./health-routes.js";

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

// Serves the routes over a fake pipeline that answers 299 to whatever it is given.
async function serve(state: { version?: string; closing: boolean }): Promise<string> {
  const handler = withHealthRoutes(
    { snapshotVersion: () => state.version, closing: () => state.closing, registry: new Registry() },
    async (_req, res) => {
      res.writeHead(299);
      res.end("pipeline");
    },
  );
  server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("the agent's /-/ endpoints", () => {
  it("leave every other path, connections named healthz or metrics included, to the pipeline", async () => {
    const url = await serve({ version: "1", closing: false });
    for (const path of ["/healthz", "/metrics/v1/models", "/readyz", "/standin/-/healthz"]) {
      expect((await fetch(`${url}${path}`)).status).toBe(299);
    }
  });

  it("say ready with a snapshot, not ready without one or while closing, and refuse other methods", async () => {
    const state: { version?: string; closing: boolean } = { closing: false };
    const url = await serve(state);
    const ready = async () => {
      const response = await fetch(`${url}/-/readyz`);
      return { status: response.status, body: (await response.json()) as object };
    };
    expect(await ready()).toEqual({ status: 503, body: { ready: false, reason: "no configuration from the control plane yet" } });
    state.version = "9";
    expect(await ready()).toEqual({ status: 200, body: { ready: true, version: "9" } });
    state.closing = true;
    expect(await ready()).toEqual({ status: 503, body: { ready: false, reason: "shutting down" } });
    expect((await fetch(`${url}/-/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/-/healthz`, { method: "POST", body: "x" })).status).toBe(405);
    expect((await fetch(`${url}/-/other`)).status).toBe(404);
  });
});
