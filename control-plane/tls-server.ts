// The control plane's port with TLS: one HTTP/2 secure server that also speaks HTTP/1.1. ALPN
// picks the protocol in the handshake ("h2" for gRPC clients, "http/1.1" for curl and Connect
// JSON), so no preface sniffing is needed; a client that offers no ALPN gets HTTP/1.1.
import type http from "node:http";
import http2 from "node:http2";
import type tls from "node:tls";
import type { Logger } from "pino";
import { closeWhenUnread, trackSessions, type Front, type RequestHandler } from "./server-front.js";

// A connection that has not finished its handshake by then is dropped.
const handshakeTimeoutMs = 10_000;

/** An HTTPS front for `handler` with the given PEM certificate chain and key. */
export function createTlsFront(
  handler: RequestHandler,
  keyPair: { cert: string | Buffer; key: string | Buffer },
  logger: Logger,
): Front {
  const server = http2.createSecureServer(
    {
      cert: keyPair.cert,
      key: keyPair.key,
      allowHTTP1: true,
      ALPNProtocols: ["h2", "http/1.1"],
      handshakeTimeout: handshakeTimeoutMs,
    },
    (req, res) => {
      // HTTP/1.1 over TLS keeps connections alive like the cleartext path: same unread-body rule.
      if (req.httpVersionMajor === 1) closeWhenUnread(req as unknown as http.IncomingMessage, res as unknown as http.ServerResponse);
      handler(req, res);
    },
  );
  const sessions = trackSessions(server, logger);
  // Every TLS connection, HTTP/1.1 ones included (those have no HTTP/2 session to close).
  const sockets = new Set<tls.TLSSocket>();
  server.on("secureConnection", (socket: tls.TLSSocket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  // A client that rejects the certificate, or is not speaking TLS, is its own problem.
  server.on("tlsClientError", (err) => logger.debug({ err }, "tls handshake failed"));
  return {
    server,
    stop() {
      for (const session of sessions) session.close();
    },
    cut() {
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
    },
  };
}
