import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upstreamRequest } from "./upstream-request.js";

let server: Server;
let origin: string;
const dispatcher = new Agent();

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/slow") return void setTimeout(() => res.end("late"), 5_000).unref();
    res.writeHead(201, { "content-type": "application/json", "x-seen": req.method ?? "" });
    req.pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await dispatcher.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("upstreamRequest", () => {
  it("answers as dispatcher.request does: status, headers and the body as a stream", async () => {
    const abort = new AbortController();
    const answer = await upstreamRequest(dispatcher, { origin, path: "/echo", method: "POST", body: Buffer.from('{"a":1}'), signal: abort.signal });
    expect(answer.statusCode).toBe(201);
    expect(answer.headers["x-seen"]).toBe("POST");
    expect(await answer.body.text()).toBe('{"a":1}');
  });

  it("works without a signal", async () => {
    const answer = await upstreamRequest(dispatcher, { origin, path: "/echo", method: "POST", body: "x" });
    expect(await answer.body.text()).toBe("x");
  });

  it("rejects when its signal aborts while waiting for the headers", async () => {
    const abort = new AbortController();
    const pending = upstreamRequest(dispatcher, { origin, path: "/slow", method: "GET", signal: abort.signal });
    setTimeout(() => abort.abort(new Error("caller left")), 50);
    await expect(pending).rejects.toThrow("caller left");
  });

  it("rejects at once for a signal already aborted and for invalid options", async () => {
    const abort = new AbortController();
    abort.abort(new Error("gone"));
    await expect(upstreamRequest(dispatcher, { origin, path: "/echo", method: "GET", signal: abort.signal })).rejects.toThrow("gone");
    await expect(upstreamRequest(dispatcher, { origin, path: "/echo", method: "CONNECT" })).rejects.toThrow();
  });

  it("aborts the response body when the signal aborts mid-body", async () => {
    const abort = new AbortController();
    const answer = await upstreamRequest(dispatcher, { origin, path: "/echo", method: "POST", body: "abc", signal: abort.signal });
    abort.abort(new Error("stop"));
    await expect(answer.body.text()).rejects.toThrow();
  });
});
