// A provider that answers every chat completion with a reply of a given size (`x-flood-bytes`), as
// an OpenAI event stream or (`x-flood-whole: 1`) one JSON body, written as fast as the reader takes
// it and no faster: each write waits for `drain`. It tells, as events, when it is held back
// (`blocked`, with the bytes written so far), when its answer was closed before the end (`cut`) and
// when it finished (`finished`), so tests wait on what the agent did to it, never on a clock.
import { EventEmitter } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FloodProvider {
  url: string;
  /** `blocked` (written: number), `cut` (written: number), `finished` (written: number). */
  events: EventEmitter;
  /** Requests received so far. */
  readonly requests: number;
  close(): Promise<void>;
}

const CONTENT = "the flood goes on and on. ".repeat(630); // ~16 KiB of prose (a run of one letter reads as base64)

function chunkEvent(index: number): string {
  const chunk = { id: "chatcmpl-flood", object: "chat.completion.chunk", created: 0, model: "flood", choices: [{ index: 0, delta: { content: CONTENT }, finish_reason: null }] };
  return `data: ${JSON.stringify({ ...chunk, id: `chatcmpl-flood-${index}` })}\n\n`;
}

async function flood(res: ServerResponse, total: number, whole: boolean, events: EventEmitter): Promise<void> {
  let written = 0;
  let cut = false;
  res.on("close", () => {
    if (!res.writableFinished) {
      cut = true;
      events.emit("cut", written);
    }
  });
  const write = async (text: string) => {
    written += Buffer.byteLength(text);
    if (res.write(text)) return;
    events.emit("blocked", written);
    await new Promise<void>((resolve) => {
      const done = () => {
        res.off("drain", done);
        res.off("close", done);
        resolve();
      };
      res.on("drain", done);
      res.on("close", done);
    });
  };
  if (whole) {
    res.writeHead(200, { "content-type": "application/json" });
    await write(`{"id":"chatcmpl-flood","object":"chat.completion","created":0,"model":"flood","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"`);
    while (!cut && written < total) await write(CONTENT);
    if (!cut) res.end(`"}}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`);
  } else {
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (let index = 0; !cut && written < total; index++) await write(chunkEvent(index));
    if (!cut) res.end("data: [DONE]\n\n");
  }
  if (!cut) events.emit("finished", written);
}

/** Starts the flood provider on 127.0.0.1, port 0. */
export async function startFloodProvider(): Promise<FloodProvider> {
  const events = new EventEmitter();
  let requests = 0;
  const server = createServer(async (req, res) => {
    requests++;
    for await (const _ of req); // the request itself does not matter
    const total = Number(req.headers["x-flood-bytes"] ?? 1024 * 1024);
    await flood(res, total, req.headers["x-flood-whole"] === "1", events);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    events,
    get requests() {
      return requests;
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
