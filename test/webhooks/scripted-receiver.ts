// A local HTTP receiver for webhook tests: records every request (path, headers, exact body bytes)
// and answers each with the next handler of its script (then 204).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as received. */
export interface ReceivedPost {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Answers one request; leaving `res` unanswered makes the receiver hang. */
export type Answer = (res: ServerResponse) => void;

/** A running receiver. */
export interface ScriptedReceiver {
  /** `http://127.0.0.1:PORT` + `path`. */
  url(path?: string): string;
  received: ReceivedPost[];
  /** Answers for the next requests, in order. */
  script: Answer[];
  /** Resolves when `count` requests have arrived. */
  requests(count: number): Promise<ReceivedPost[]>;
  close(): Promise<void>;
}

/** Answers with `status` and an optional body. */
export const status = (code: number, body = "", headers: Record<string, string> = {}): Answer => (res) => res.writeHead(code, headers).end(body);

/** Never answers. */
export const hang: Answer = () => undefined;

/** Starts a receiver on a free port of 127.0.0.1. */
export async function startScriptedReceiver(): Promise<ScriptedReceiver> {
  const received: ReceivedPost[] = [];
  const script: Answer[] = [];
  const waiters: Array<{ count: number; resolve: (posts: ReceivedPost[]) => void }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) });
      for (const waiter of waiters.filter((w) => received.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(received.slice());
      }
      (script.shift() ?? status(204))(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path = "/hook") => `${base}${path}`,
    received,
    script,
    requests: (count) => received.length >= count
      ? Promise.resolve(received.slice())
      : new Promise((resolve) => waiters.push({ count, resolve })),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
