// The one port with TLS: gRPC over HTTP/2 and Connect JSON over HTTP/1.1, each chosen by ALPN,
// reach the same routes; a client that does not trust the certificate gets nothing; close() ends
// open connections of both kinds.
import { createClient, type ConnectRouter } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import pino from "pino";
import { Client } from "undici";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TokenService } from "../../gen/palisade/admin/v1/token_service_pb.js";
import { createTestPki, type TestPki } from "./certificates.js";
import { listen, type Server } from "../../control-plane/server.js";

function routes(router: ConnectRouter): void {
  router.service(TokenService, {
    createToken: async (request) => ({ token: `token-for-${request.subject}`, issuer: "test" }),
  });
}

let pki: TestPki;
let server: Server;
beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(async () => {
  await pki.remove();
});
beforeEach(async () => {
  server = await listen({ listen: "127.0.0.1:0", routes, logger: pino({ level: "silent" }), tls: pki.server });
});
afterEach(async () => {
  await server.close();
});

async function http1<T>(ca: string | undefined, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(server.url, { allowH2: false, connect: ca === undefined ? {} : { ca } });
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

describe("listen with tls", () => {
  it("reports an https URL", () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("serves gRPC over HTTP/2 to a client trusting the CA", async () => {
    const transport = createGrpcTransport({ baseUrl: server.url, nodeOptions: { ca: pki.ca.cert } });
    const response = await createClient(TokenService, transport).createToken({ subject: "grpc" });
    expect(response.token).toBe("token-for-grpc");
  });

  it("closes an HTTP/1.1 connection whose refused request body was left unread", async () => {
    // connect-node refuses an unsupported content type without reading the body; keeping that
    // connection alive would feed the unread rest to the client's next request.
    const response = await http1(pki.ca.cert, (client) =>
      client.request({
        method: "POST",
        path: "/palisade.admin.v1.TokenService/CreateToken",
        headers: { "content-type": "text/plain" },
        body: "x".repeat(256 * 1024),
      }),
    );
    await response.body.text();
    expect(response.statusCode).toBe(415);
    expect(response.headers.connection).toBe("close");
  });

  it("serves Connect JSON over HTTP/1.1, as curl sends it", async () => {
    const response = await http1(pki.ca.cert, (client) =>
      client.request({
        method: "POST",
        path: "/palisade.admin.v1.TokenService/CreateToken",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ subject: "curl" }),
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ token: "token-for-curl", issuer: "test" });
  });

  it("serves Connect over HTTP/2 and /healthz", async () => {
    const transport = createConnectTransport({ baseUrl: server.url, httpVersion: "2", nodeOptions: { ca: pki.ca.cert } });
    expect((await createClient(TokenService, transport).createToken({ subject: "h2" })).token).toBe("token-for-h2");
    const health = await http1(pki.ca.cert, (client) => client.request({ method: "GET", path: "/healthz" }));
    expect(await health.body.text()).toBe("ok");
  });

  it("refuses a client that does not trust the certificate, and goes on serving", async () => {
    const untrusting = http1(pki.otherCa.cert, (client) => client.request({ method: "GET", path: "/healthz" }));
    await expect(untrusting).rejects.toMatchObject({ code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
    const health = await http1(pki.ca.cert, (client) => client.request({ method: "GET", path: "/healthz" }));
    expect(health.statusCode).toBe(200);
    await health.body.dump();
  });

  it("close() ends idle HTTP/1.1 connections and HTTP/2 sessions", async () => {
    const h1 = new Client(server.url, { allowH2: false, connect: { ca: pki.ca.cert } });
    const first = await h1.request({ method: "GET", path: "/healthz" });
    await first.body.dump(); // the connection stays open, idle
    const transport = createGrpcTransport({ baseUrl: server.url, nodeOptions: { ca: pki.ca.cert } });
    await createClient(TokenService, transport).createToken({ subject: "open" });
    await server.close();
    await expect(h1.request({ method: "GET", path: "/healthz" })).rejects.toThrow();
    await h1.destroy();
  });
});
