// Slow clients (slowloris): a caller that trickles its headers or its body one byte at a time is
// cut off with 408 once the server's headers/request timeouts pass, and the server keeps serving
// others meanwhile. Short timeouts here keep the test bounded; the agent's fixed ones are in
// `serverTimeouts` (docs/configuration.md).
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProxyServer, serverTimeouts, type ProxyServer } from "../../agent/http/proxy-server.js";
import { within } from "../support/eventually.js";
import { parseResponse } from "./raw-http.js";

let server: ProxyServer;

beforeAll(async () => {
  server = await startProxyServer("127.0.0.1:0", async (req, res) => {
    for await (const _ of req);
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok");
  }, undefined, { headersMs: 500, requestMs: 1_000, checkEveryMs: 100 });
});

afterAll(() => server?.close(0));

/** Opens a socket, sends `head`, then one byte of `drip` every 100 ms; resolves with what came back once the server closed it. */
function trickle(head: string, drip: string): Promise<Buffer> {
  const { port } = new URL(server.url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), "127.0.0.1");
    const chunks: Buffer[] = [];
    let sent = 0;
    const timer = setInterval(() => socket.write(drip[sent++ % drip.length]!), 100);
    socket.write(head);
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearInterval(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

describe("slow clients", () => {
  it("the agent has finite timeouts for receiving a request", () => {
    expect(serverTimeouts.headersMs).toBeGreaterThan(0);
    expect(serverTimeouts.requestMs).toBeGreaterThanOrEqual(serverTimeouts.headersMs);
  });

  it("headers sent one byte at a time: 408 and the connection closed", async () => {
    const raw = await within("the slow-headers connection to close", trickle("GET /x HTTP/1.1\r\nhost: a\r\nx-slow: ", "abcdefgh"), 5_000);
    const response = parseResponse(raw);
    expect(response?.status).toBe(408);
    expect(response?.headers["x-palisade-session"]).toBeDefined();
    expect(JSON.parse(response!.body.toString()).error.message).toMatch(/not received in time/);
  });

  it("a body sent one byte at a time: cut off, and others are served meanwhile", async () => {
    const slow = trickle("POST /x HTTP/1.1\r\nhost: a\r\ncontent-length: 100000\r\n\r\n", "{");
    const other = await fetch(`${server.url}/other`);
    expect(other.status).toBe(200);
    const raw = await within("the slow-body connection to close", slow, 5_000);
    expect(parseResponse(raw)?.status).toBe(408);
  });
});
