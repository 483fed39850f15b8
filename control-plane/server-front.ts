// What listen() needs from the server that owns the port, cleartext or TLS.
import type http from "node:http";
import type http2 from "node:http2";
import type net from "node:net";
import type { Logger } from "pino";

/** connect-node's request handler, served over HTTP/1.1 and HTTP/2 alike. */
export type RequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

/** The server bound to the port, and how to end its connections. */
export interface Front {
  server: net.Server;
  /** Asks open connections to finish (HTTP/2 GOAWAY, idle HTTP/1.1 closed); called once close() begins. */
  stop(): void;
  /** Cuts whatever is still open once the drain period is over. */
  cut(): void;
}

/** The open HTTP/2 sessions of `server`, kept current; a session's protocol error is only logged. */
export function trackSessions(
  server: http2.Http2Server | http2.Http2SecureServer,
  logger: Logger,
): Set<http2.ServerHttp2Session> {
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
    // A peer's protocol error is its problem; never let it crash the process.
    session.on("error", (err) => logger.debug({ err }, "http/2 session error"));
  });
  return sessions;
}

/**
 * Makes an HTTP/1.1 response close its connection when it starts before the request body was read
 * whole: connect-node refuses some requests (an envelope above the read limit, an unsupported content
 * type) without reading them, and the unread rest would otherwise reset the client's next request
 * on that keep-alive connection.
 */
export function closeWhenUnread(req: http.IncomingMessage, res: http.ServerResponse): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: http.ServerResponse, ...args: Parameters<typeof writeHead>) {
    // A request without a body may not be marked complete yet; only an unread body matters.
    const hasBody = req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
    if (hasBody && !req.complete) this.shouldKeepAlive = false;
    return writeHead.apply(this, args);
  } as typeof writeHead;
}
