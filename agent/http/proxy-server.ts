// The agent's HTTP listener: serves the pipeline, tracks requests in flight, and closes gracefully.
// With a certificate and key it serves HTTPS (HTTP/1.1, as SDKs speak to providers).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createSecureServer } from "node:https";
import type { AddressInfo } from "node:net";

/** A listening proxy. */
export interface ProxyServer {
  url: string;
  /** Stops accepting, waits up to `graceMs` for requests in flight, then cuts what is left. */
  close(graceMs: number): Promise<void>;
}

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
): Promise<ProxyServer> {
  const { host, port } = parseListen(listen);
  const inFlight = new Set<Promise<void>>();
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const done = handler(req, res).finally(() => inFlight.delete(done));
    inFlight.add(done);
  };
  const server = tls ? createSecureServer({ cert: tls.cert, key: tls.key }, serve) : createServer(serve);
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
