// The agent's HTTP listener: serves the pipeline, tracks requests in flight, and closes gracefully.
// With a certificate and key it serves HTTPS (HTTP/1.1, as SDKs speak to providers).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createSecureServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { answerClientError } from "./client-error.js";

/** A listening proxy. */
export interface ProxyServer {
  url: string;
  /** Stops accepting, waits up to `graceMs` for requests in flight, then cuts what is left. */
  close(graceMs: number): Promise<void>;
}

/** How long a caller may take to send its request, so slow or stalled clients (slowloris) cannot hold sockets forever. */
export interface ServerTimeouts {
  /** Until the request headers are complete (then 408). */
  headersMs: number;
  /** Until the whole request, body included, is received (then 408); the response may take as long as it needs. */
  requestMs: number;
  /** How often Node checks the two above; a stalled client is cut between the limit and the limit plus this. */
  checkEveryMs: number;
}

/** The agent's fixed timeouts for receiving requests (docs/configuration.md). */
export const serverTimeouts: ServerTimeouts = { headersMs: 30_000, requestMs: 300_000, checkEveryMs: 5_000 };

/** Splits "host:port" (IPv6 hosts in brackets); port 0 picks a free port. */
export function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
  if (!match) throw new Error(`listen address must be host:port, got ${JSON.stringify(listen)}`);
  return { host: match[1] ?? (match[2] || "0.0.0.0"), port: Number(match[3]) };
}

/** Starts listening on `listen` and serves every request with `handler`; HTTPS when `tls` is given. */
export async function startProxyServer(
  listen: string,
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  tls?: { cert: string | Buffer; key: string | Buffer },
  timeouts: ServerTimeouts = serverTimeouts,
): Promise<ProxyServer> {
  const { host, port } = parseListen(listen);
  const inFlight = new Set<Promise<void>>();
  // The newest response under way on each socket: a parser error there (a broken body) may still be
  // answered while that response has sent nothing, never spliced into one already started.
  const busy = new WeakMap<Duplex, ServerResponse>();
  let draining = false;
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    // While draining, answers say `connection: close`, so callers stop reusing the connection.
    if (draining) res.shouldKeepAlive = false;
    busy.set(req.socket, res);
    const done = handler(req, res).finally(() => {
      inFlight.delete(done);
      // A pipelined request may have arrived behind this one: the socket is then its.
      if (busy.get(req.socket) === res) busy.delete(req.socket);
    });
    inFlight.add(done);
  };
  const limits = { headersTimeout: timeouts.headersMs, requestTimeout: timeouts.requestMs, connectionsCheckingInterval: timeouts.checkEveryMs };
  const server = tls ? createSecureServer({ ...limits, cert: tls.cert, key: tls.key }, serve) : createServer(limits, serve);
  // Sockets already refused: a parser that failed once fails again on whatever arrives next.
  const refused = new WeakSet<Duplex>();
  server.on("clientError", (error: Error & { code?: string }, socket: Duplex) => {
    if (refused.has(socket)) return;
    refused.add(socket);
    const under = busy.get(socket);
    // Received whole, the request under way is not what broke: the bytes after it are (a body
    // longer than its Content-Length, a pipelined request that is no HTTP). Its own answer goes
    // first, then the refusal of what followed (no exchange began for it) — never the refusal
    // in its place, which would tell the caller it was refused while it was forwarded.
    if (under?.req.complete && !under.writableFinished) {
      under.once("close", () => answerClientError(error, socket));
      return;
    }
    if (under?.headersSent && !under.writableFinished) socket.destroy();
    else answerClientError(error, socket, under?.writableFinished ? undefined : under);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    url: `${tls ? "https" : "http"}://${shownHost}:${address.port}`,
    async close(graceMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([Promise.allSettled([...inFlight]), deadline]);
      clearTimeout(timer);
      server.closeAllConnections();
      await closed;
    },
  };
}
