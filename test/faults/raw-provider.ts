// A provider that writes raw bytes on the socket: each request gets the reply its prompt names
// (`fault:NAME` in the body), so a test can send what no well-behaved HTTP server would —
// a wrong Content-Length, a chunked body cut short, headers and then nothing, an interim 1xx, a
// body without a length ended by closing (HTTP/1.0), a redirect to another host; or one that sends
// back the credential it was given (an error quoting the key, a header, a stream, escaped).
import { createServer, type AddressInfo, type Socket } from "node:net";

export interface RawProvider {
  url: string;
  /** Each request's head and body as it arrived, in order. */
  received: string[];
  close(): Promise<void>;
}

const OK_BODY = JSON.stringify({ id: "c1", object: "chat.completion", model: "raw", choices: [{ index: 0, message: { role: "assistant", content: "raw says hi" }, finish_reason: "stop" }] });

/** The request's Authorization value (what the agent injected). */
const authorizationOf = (request: string) => /^authorization: *(.*)$/im.exec(request)?.[1]?.trim() ?? "";

const reply = (socket: Socket, status: string, headers: string, body: string) =>
  socket.end(`HTTP/1.1 ${status}\r\ncontent-type: application/json\r\n${headers}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);

/** An OpenAI-style 401 quoting `key`. */
const keyError = (key: string) => JSON.stringify({ error: { message: `Incorrect API key provided: ${key}.`, type: "invalid_request_error", code: "invalid_api_key" } });

/** One chat-completion chunk event carrying `content`. */
const sseDelta = (content: string) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", model: "raw", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

/** What the socket gets for fault `name` (`request`: the request's head and body as received). */
export const RAW_REPLIES: Record<string, (socket: Socket, request: string) => void> = {
  // The credential sent back: quoted in an error, in a header, JSON-escaped as PHP writes "/", redacted (passes).
  "echo-error": (socket, request) => reply(socket, "401 Unauthorized", "", keyError(authorizationOf(request))),
  "echo-header": (socket, request) => reply(socket, "200 OK", `x-seen-authorization: ${authorizationOf(request)}\r\n`, OK_BODY),
  "echo-escaped": (socket, request) => reply(socket, "401 Unauthorized", "", keyError(authorizationOf(request)).replaceAll("/", "\\/")),
  "echo-redacted": (socket, request) => {
    const key = authorizationOf(request).replace(/^Bearer /, "");
    reply(socket, "401 Unauthorized", "", keyError(`${key.slice(0, 8)}****${key.slice(-4)}`));
  },
  // An event stream whose second event quotes the key, cut in two writes inside it.
  "echo-stream": (socket, request) => {
    const key = authorizationOf(request);
    const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
    const event = (content: string) => `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", model: "raw", choices: [{ index: 0, delta: { content } }] })}\n\n`;
    const second = event(`your key is ${key}`);
    const cut = second.indexOf(key) + key.length - 5;
    socket.write(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n${chunk(event("hello"))}${chunk(second.slice(0, cut))}`);
    setTimeout(() => socket.end(`${chunk(second.slice(cut))}${chunk("data: [DONE]\n\n")}0\r\n\r\n`), 20);
  },
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
  // A chat stream whose second delta holds bytes that are no UTF-8 (a lone 0xff, a sequence cut
  // short, an encoded surrogate), then ends properly.
  "not-utf-stream": (socket) => socket.end(Buffer.concat([
    Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n${sseDelta("raw says ")}`),
    Buffer.from('data: {"id":"c1","object":"chat.completion.chunk","model":"raw","choices":[{"index":0,"delta":{"content":"bad '),
    Buffer.from([0xff, 0x41, 0xc3, 0x20, 0xed, 0xa0, 0x80]),
    Buffer.from(' bytes"},"finish_reason":null}]}\n\n'),
    Buffer.from(`${sseDelta(" and more")}data: [DONE]\n\n`),
  ])),
  // The same bytes in a whole JSON answer.
  "not-utf-body": (socket) => {
    const [before, after] = OK_BODY.split("hi");
    const bad = Buffer.concat([Buffer.from(before!), Buffer.from([0xff, 0x41, 0xc3, 0x20, 0xed, 0xa0, 0x80]), Buffer.from(after!)]);
    socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${bad.length}\r\n\r\n`), bad]));
  },
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
      const answer = fault ? RAW_REPLIES[fault] : undefined;
      if (answer) answer(socket, received.at(-1)!);
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
