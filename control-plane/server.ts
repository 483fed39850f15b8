// The control plane's one port. connect-node serves gRPC only over HTTP/2, while curl and
// browsers speak HTTP/1.1. In cleartext, a plain TCP server in front reads each connection's first
// bytes and hands the socket to an HTTP/2 (h2c, prior knowledge) or an HTTP/1.1 server sharing one
// handler. With TLS, ALPN makes that choice during the handshake (see tls-server.ts).
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import type { HttpEndpoints } from "./observability/http-endpoints.js";
import { closeWhenUnread, trackSessions, type Front, type RequestHandler } from "./server-front.js";
import { createTlsFront } from "./tls-server.js";

/** Options for {@link listen}. */
export interface ListenOptions {
  /** "host:port" (IPv6 as "[::1]:port"); port 0 picks a free port. */
  listen: string;
  /** Registers the RPC services served on the port. */
  routes: (router: ConnectRouter) => void;
  logger: Logger;
  /** Serve TLS (HTTPS, HTTP/2 and HTTP/1.1 by ALPN) with this PEM certificate chain and key. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Plain HTTP endpoints tried before the 404 (/readyz, /metrics). */
  endpoints?: HttpEndpoints;
}

/** A bound server. */
export interface Server {
  /** "http://host:port" ("https://" with TLS) actually bound. */
  url: string;
  /** Stops accepting, ends open requests and streams, resolves when the port is closed. */
  close(): Promise<void>;
}

const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
// After close() asks clients to go away, how long requests in flight may take to finish before
// their connections are cut. Long-lived streams are ended by the shutdown signal well before.
const drainMs = 1_000;
// Largest request message read, in bytes (docs/configuration.md).
const readMaxBytes = 32 * 1024 * 1024;
// A connection that sends nothing this long is dropped before it is handed to either server.
const firstBytesTimeoutMs = 10_000;

/**
 * Serves `routes` (gRPC, gRPC-Web, Connect) on one port over HTTP/2 and HTTP/1.1 (cleartext, or
 * TLS when `tls` is given), plus `GET /healthz`; resolves once the port is bound.
 */
export async function listen(options: ListenOptions): Promise<Server> {
  const { host, port } = parseHostPort(options.listen);
  const logger = options.logger;
  const shutdown = new AbortController();
  const handler = connectNodeAdapter({
    routes: options.routes,
    shutdownSignal: shutdown.signal,
    fallback: (req, res) => {
      if (req.method === "GET" && req.url === "/healthz") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("ok");
        return;
      }
      if (options.endpoints?.(req, res)) return;
      // No such procedure: a Connect error body (gRPC clients map HTTP 404 to UNIMPLEMENTED themselves).
      const body = JSON.stringify({ code: "unimplemented", message: "no procedure at this path" });
      res.writeHead(404, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
      res.end(body);
    },
    // A request message (any protocol) larger than this is refused with RESOURCE_EXHAUSTED instead
    // of buffered: connect-node's default is 4 GiB. Applying 10,000 policies is a few MiB; agents'
    // event batches stay under 4 MiB plus one exchange record.
    readMaxBytes,
    // Responses smaller than this go uncompressed (connect-node's default is 1 KiB): gzipping
    // every exchange ACK (a few KiB of ids) cost ~6 % of the control plane's CPU at ingest
    // (docs/performance.md); snapshots and large listings are still compressed for clients that accept it.
    compressMinBytes: 16 * 1024,
  });
  const front = options.tls ? createTlsFront(handler, options.tls, logger) : createCleartextFront(handler, logger);

  await new Promise<void>((resolve, reject) => {
    front.server.once("error", reject);
    front.server.listen(port, host, () => {
      front.server.off("error", reject);
      resolve();
    });
  });
  const bound = (front.server.address() as net.AddressInfo).port;
  const scheme = options.tls ? "https" : "http";
  const url = `${scheme}://${host.includes(":") ? `[${host}]` : host}:${bound}`;
  logger.debug({ url }, "control plane listening");

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const cut = setTimeout(() => front.cut(), drainMs);
        front.server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        // Streaming handlers end with UNAVAILABLE and a status instead of a reset.
        shutdown.abort(new ConnectError("control plane shutting down", Code.Unavailable));
        front.stop();
      });
      return closing;
    },
  };
}

// Cleartext: a TCP server routes each connection on the HTTP/2 preface to an h2c or an HTTP/1.1
// server, neither of which listens itself.
function createCleartextFront(handler: RequestHandler, logger: Logger): Front {
  const h1 = http.createServer((req, res) => {
    closeWhenUnread(req, res);
    handler(req, res);
  });
  // An http.Server tracks its connections (for closeIdleConnections and the headers/request
  // timeouts that stop slow clients) from its 'listening' event; this one never listens itself.
  h1.emit("listening");
  const h2 = http2.createServer(handler);
  const sessions = trackSessions(h2, logger);

  const unrouted = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    unrouted.add(socket);
    socket.on("error", (err) => logger.debug({ err }, "connection error"));
    const silent = () => socket.destroy();
    socket.setTimeout(firstBytesTimeoutMs, silent);
    socket.once("close", () => unrouted.delete(socket));
    routeOnPreface(socket, (isHttp2) => {
      unrouted.delete(socket);
      socket.setTimeout(0);
      socket.off("timeout", silent);
      if (isHttp2) {
        // The HTTP/2 session reads bytes already buffered on the socket itself.
        h2.emit("connection", socket);
      } else {
        // The HTTP/1.1 parser takes over the socket's handle but gets the buffered bytes only as
        // 'data' events, which need the socket flowing again (before the next read, as resume
        // emits them on the next tick).
        h1.emit("connection", socket);
        socket.resume();
      }
    });
  });
  return {
    server,
    stop() {
      for (const socket of unrouted) socket.destroy();
      for (const session of sessions) session.close();
      h1.close(); // closes idle keep-alive connections; the port is the front server's
    },
    cut() {
      for (const session of sessions) session.destroy();
      h1.closeAllConnections();
    },
  };
}


// Reads until the bytes seen either diverge from the HTTP/2 preface or match it whole, then puts
// them back and calls `route` once. A socket that never sends enough to decide is never routed.
function routeOnPreface(socket: net.Socket, route: (isHttp2: boolean) => void): void {
  let seen = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    seen = Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, preface.length);
    const matches = seen.subarray(0, n).equals(preface.subarray(0, n));
    if (matches && seen.length < preface.length) return;
    socket.off("data", onData);
    socket.pause();
    socket.unshift(seen);
    route(matches);
  };
  socket.on("data", onData);
}

function parseHostPort(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
  if (!match) throw new Error(`listen address must be "host:port", got "${listen}"`);
  const port = Number(match[3]);
  if (port > 65_535) throw new Error(`port out of range in "${listen}"`);
  return { host: match[1] ?? (match[2] || "127.0.0.1"), port };
}
