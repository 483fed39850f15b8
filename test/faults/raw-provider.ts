// A provider that writes raw bytes on the socket: each request gets the reply its prompt names
// (`fault:NAME` in the body), so a test can send what no well-behaved HTTP server would —
// a wrong Content-Length, a chunked body cut short, headers and then nothing, an interim 1xx, a
// body without a length ended by closing (HTTP/1.0), a redirect to another host.
import { createServer, type AddressInfo, type Socket } from "node:net";

export interface RawProvider {
  url: string;
  /** Each request's head and body as it arrived, in order. */
  received: string[];
  close(): Promise<void>;
}

const OK_BODY = JSON.stringify({ id: "c1", object: "chat.completion", model: "raw", choices: [{ index: 0, message: { role: "assistant", content: "raw says hi" }, finish_reason: "stop" }] });

/** What the socket gets for fault `name` (written, then the socket ended unless `keep`). */
export const RAW_REPLIES: Record<string, (socket: Socket) => void> = {
  // Declares more than it sends, then closes.
  "long-length": (socket) => socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${OK_BODY.length + 100}\r\n\r\n${OK_BODY}`),
  // Declares less than it sends (the rest is junk on the connection).
  "short-length": (socket) => socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10\r\n\r\n${OK_BODY}`),
  // A length no body could have.
  "huge-length": (socket) => socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 99999999999999999999\r\n\r\n${OK_BODY}`),
  "two-lengths": (socket) => socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5\r\ncontent-length: ${OK_BODY.length}\r\n\r\n${OK_BODY}`),
  // A chunked body cut in its second chunk.
  "truncated-chunked": (socket) => socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{"id"\r\n40\r\n:"c1"`),
  // Headers, then the connection closes.
  "headers-only": (socket) => socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${OK_BODY.length}\r\n\r\n`),
  // Not HTTP at all.
  garbage: (socket) => socket.end("SSH-2.0-OpenSSH_9.6\r\n"),
  // An interim 103, then the answer.
  "early-hints": (socket) => socket.end(`HTTP/1.1 103 Early Hints\r\nlink: </x>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${OK_BODY.length}\r\n\r\n${OK_BODY}`),
  // 101 to a request that asked for no upgrade.
  "switching-protocols": (socket) => socket.end("HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\nraw bytes of another protocol"),
  "no-content": (socket) => socket.end("HTTP/1.1 204 No Content\r\n\r\n"),
  // HTTP/1.0: no length, the body ends when the connection closes.
  "close-delimited": (socket) => socket.end(`HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n${OK_BODY}`),
  // A body that says gzip and is not.
  "bad-gzip": (socket) => socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\ncontent-length: ${OK_BODY.length}\r\n\r\n${OK_BODY}`),
  // A redirect to another host.
  redirect: (socket) => socket.end(`HTTP/1.1 307 Temporary Redirect\r\nlocation: http://attacker.invalid/v1/chat/completions\r\ncontent-length: 0\r\n\r\n`),
};

/** Starts the raw provider on 127.0.0.1. */
export async function startRawProvider(): Promise<RawProvider> {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let data = "";
    socket.on("data", (chunk: Buffer) => {
      data += chunk.toString("latin1");
      const fault = /fault:([a-z-]+)/.exec(data)?.[1];
      const headEnd = data.indexOf("\r\n\r\n");
      const length = Number(/content-length: *(\d+)/i.exec(data)?.[1] ?? 0);
      if (headEnd < 0 || data.length < headEnd + 4 + length) return;
      received.push(data);
      data = "";
      const reply = fault ? RAW_REPLIES[fault] : undefined;
      if (reply) reply(socket);
      else socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${OK_BODY.length}\r\n\r\n${OK_BODY}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
