// The one-port server: every protocol a client of the control plane speaks reaches the same
// routes, HTTP/1.1 (curl-style Connect JSON) included, and close() never hangs on open connections.
import http2 from "node:http2";
import net from "node:net";
import { createClient, type ConnectRouter } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import pino from "pino";
import { Client } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TokenService } from "../gen/palisade/admin/v1/token_service_pb.js";
import { listen, type Server } from "./server.js";

// A tiny TokenService: echoes the subject; "hang" never answers (to test close()).
let markHanging!: () => void;
let hangingArrived = new Promise<void>((resolve) => { markHanging = resolve; });
function routes(router: ConnectRouter): void {
  router.service(TokenService, {
    createToken: async (request) => {
      if (request.subject === "hang") {
        markHanging();
        await new Promise(() => {});
      }
      return { token: `token-for-${request.subject}`, issuer: "test" };
    },
  });
}

let server: Server;
beforeEach(async () => {
  server = await listen({ listen: "127.0.0.1:0", routes, logger: pino({ level: "silent" }) });
});
afterEach(async () => {
  await server.close();
});

const port = () => Number(new URL(server.url).port);

/** One HTTP/1.1 client (undici, h2 off) per call, closed after. */
async function http1<T>(use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(server.url, { allowH2: false });
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/** Sends raw bytes on a new connection and collects what comes back until `done` says so. */
function raw(chunks: Buffer[], done: (received: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port(), "127.0.0.1");
    let received = Buffer.alloc(0);
    socket.on("error", reject);
    socket.on("data", (data) => {
      received = Buffer.concat([received, data]);
      if (done(received)) {
        socket.destroy();
        resolve(received);
      }
    });
    // Separate writes a tick apart, so the server sees separate reads.
    void (async () => {
      for (const chunk of chunks) {
        socket.write(chunk);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
  });
}

describe("listen", () => {
  it("binds port 0 and reports the actual address", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(port()).toBeGreaterThan(0);
  });

  it("serves Connect JSON over HTTP/1.1, as curl sends it", async () => {
    const response = await http1((client) =>
      client.request({
        method: "POST",
        path: "/palisade.admin.v1.TokenService/CreateToken",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ subject: "alice" }),
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ token: "token-for-alice", issuer: "test" });
  });

  it("serves gRPC and Connect over HTTP/2 and gRPC-Web over HTTP/1.1", async () => {
    const transports = [
      createGrpcTransport({ baseUrl: server.url }),
      createConnectTransport({ baseUrl: server.url, httpVersion: "2" }),
      createGrpcWebTransport({ baseUrl: server.url, httpVersion: "1.1" }),
    ];
    for (const transport of transports) {
      const response = await createClient(TokenService, transport).createToken({ subject: "bob" });
      expect(response.token).toBe("token-for-bob");
    }
  });

  it("answers GET /healthz on HTTP/1.1 and HTTP/2", async () => {
    const h1 = await http1((client) => client.request({ method: "GET", path: "/healthz" }));
    expect(h1.statusCode).toBe(200);
    expect(await h1.body.text()).toBe("ok");

    const session = http2.connect(server.url);
    try {
      const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const stream = session.request({ ":path": "/healthz" });
        let status = 0;
        let text = "";
        stream.on("response", (headers) => (status = Number(headers[":status"])));
        stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
        stream.on("end", () => resolve({ status, text }));
        stream.on("error", reject);
      });
      expect(body).toEqual({ status: 200, text: "ok" });
    } finally {
      session.close();
    }
  });

  it("answers pipelined HTTP/1.1 requests on one connection", async () => {
    const request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    const received = await raw([Buffer.from(request + request)], (r) => r.toString().split("HTTP/1.1 200").length === 3);
    expect(received.toString().split("HTTP/1.1 200").length).toBe(3);
  });

  it("recognises the HTTP/2 preface when it arrives in pieces", async () => {
    const settings = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]); // empty SETTINGS frame
    const received = await raw(
      [Buffer.from("PRI * HTTP/2.0\r\n"), Buffer.concat([Buffer.from("\r\nSM\r\n\r\n"), settings])],
      (r) => r.length >= 9,
    );
    expect(received[3]).toBe(4); // the server's first frame is its SETTINGS
  });

  it("closes promptly with an idle HTTP/1.1 connection, an HTTP/2 session and a request that never ends", async () => {
    const idle = net.connect(port(), "127.0.0.1");
    await new Promise((resolve) => idle.once("connect", resolve));
    const session = http2.connect(server.url);
    session.on("error", () => {});
    const hanging = createClient(TokenService, createGrpcTransport({ baseUrl: server.url }))
      .createToken({ subject: "hang" })
      .catch((err: unknown) => err);
    await hangingArrived;
    hangingArrived = new Promise<void>((resolve) => { markHanging = resolve; });
    await server.close();
    expect(await hanging).toBeInstanceOf(Error);
    const refused = await new Promise((resolve) => {
      const socket = net.connect(port(), "127.0.0.1");
      socket.on("error", (err: NodeJS.ErrnoException) => resolve(err.code));
      socket.on("connect", () => resolve("connected"));
    });
    expect(refused).toBe("ECONNREFUSED");
    idle.destroy();
  });
});
