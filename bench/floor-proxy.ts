// The floor column of the overhead bench: the least a Node gateway can do — a bare `node:http`
// server that forwards each request to one upstream with undici and relays the answer, nothing
// else (no auth, no parsing, no record). Run by plain Node (type stripping, no loader):
// `node bench/floor-proxy.ts UPSTREAM PORT`; it prints "ready" once listening.
import { createServer, type IncomingHttpHeaders } from "node:http";
import { pipeline } from "node:stream";
import { Agent } from "undici";

const [upstream, port] = process.argv.slice(2);
if (upstream === undefined || port === undefined) throw new Error("usage: node bench/floor-proxy.ts UPSTREAM PORT");

// Hop-by-hop headers are the connection's own (RFC 9110 §7.6.1); host names the upstream.
const hopByHop = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host"]);

function forwardable(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !hopByHop.has(name)) out[name] = value;
  }
  return out;
}

const dispatcher = new Agent();

const server = createServer((req, res) => {
  dispatcher
    .request({ origin: upstream, path: req.url ?? "/", method: req.method as "POST", headers: forwardable(req.headers), body: req })
    .then(
      (answer) => {
        // The caller may have gone meanwhile (a load generator stopping mid-request).
        if (res.destroyed) return void answer.body.dump().catch(() => {});
        res.writeHead(answer.statusCode, forwardable(answer.headers));
        pipeline(answer.body, res, () => {});
      },
      () => {
        if (!res.destroyed) res.writeHead(502).end();
      },
    );
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), "127.0.0.1", () => console.log("ready"));
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
