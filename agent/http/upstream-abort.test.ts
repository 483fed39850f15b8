// UpstreamAbort against an AbortSignal: the same request, aborted at the same moment both ways, ends
// the same way (how the promise settles, with which error, what the body gives, what the server saw).
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Agent, Client, type Dispatcher } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamAbort, upstreamRequest } from "./upstream-request.js";

let server: Server;
let origin: string;
const seen: string[] = [];
// The server waits for the test, not for a clock: a slow answer (and a dripping body's end) is
// held until released; the test waits for a request's arrival and for every connection to close.
const held = new Map<string, ServerResponse>();
const arrivals = new Map<string, () => void>();
const sockets = new Set<Socket>();
const closedAll: (() => void)[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? "";
    seen.push(url);
    arrivals.get(url)?.();
    if (url.startsWith("/slow")) return void held.set(url, res);
    if (url.startsWith("/drip")) {
      res.writeHead(200);
      res.write("first ");
      return void held.set(url, res);
    }
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`echo ${url.split("?")[0]}`);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      if (sockets.size === 0) for (const resolve of closedAll.splice(0)) resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Resolves once the server has seen a request for `url`. */
const arrival = (url: string) => (seen.includes(url) ? Promise.resolve() : new Promise<void>((resolve) => arrivals.set(url, resolve)));

/** Ends the held answer to `url` ("late" for a slow one, the rest of a dripping body). */
function release(url: string): void {
  const res = held.get(url);
  held.delete(url);
  res?.end(url.startsWith("/slow") ? "late" : "last");
}

/** Resolves once every connection to the server has closed: whatever was sent on them has been read. */
const connectionsClosed = () => (sockets.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => closedAll.push(resolve)));

/** One way of making an abortable request: undici's request() with a signal, or upstreamRequest with an UpstreamAbort. */
interface Way {
  start(dispatcher: Dispatcher, options: Dispatcher.RequestOptions): { answer: Promise<Dispatcher.ResponseData>; abort(): void };
}
const withSignal: Way = {
  start(dispatcher, options) {
    const controller = new AbortController();
    return { answer: dispatcher.request({ ...options, signal: controller.signal }), abort: () => controller.abort() };
  },
};
const withUpstreamAbort: Way = {
  start(dispatcher, options) {
    const abort = new UpstreamAbort();
    return { answer: upstreamRequest(dispatcher, options, abort), abort: () => abort.abort() };
  },
};

const outcome = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : `thrown ${String(error)}`);

/** How the promise settled, what the body gave, and which of the scenario's paths the server saw. */
async function run(way: Way, scenario: string, tag: string): Promise<string[]> {
  const log: string[] = [];
  const dispatcher = new Client(origin, { pipelining: 1 });
  const path = (name: string) => `/${name}?${scenario}-${tag}`;
  try {
    const settle = async (answer: Promise<Dispatcher.ResponseData>) => {
      try {
        const data = await answer;
        log.push(`status ${data.statusCode}`);
        return data;
      } catch (error) {
        log.push(`rejected ${outcome(error)}`);
        return undefined;
      }
    };
    const body = async (data: Dispatcher.ResponseData | undefined) => {
      if (!data) return;
      try {
        log.push(`body ${await data.body.text()}`);
      } catch (error) {
        log.push(`body failed ${outcome(error)}`);
      }
    };
    switch (scenario) {
      case "before": {
        const call = way === withSignal ? undefined : new UpstreamAbort();
        if (call) {
          call.abort();
          await body(await settle(upstreamRequest(dispatcher, { origin, path: path("echo"), method: "GET" }, call)));
        } else {
          const controller = new AbortController();
          controller.abort();
          await body(await settle(dispatcher.request({ origin, path: path("echo"), method: "GET", signal: controller.signal })));
        }
        break;
      }
      case "headers": {
        const call = way.start(dispatcher, { origin, path: path("slow"), method: "GET" });
        await arrival(path("slow"));
        call.abort();
        await body(await settle(call.answer));
        break;
      }
      case "queued": {
        // One connection, busy with a slow request the server holds: the second waits in the
        // client's queue. Aborted, it leaves the queue at once: settled within the event loop's
        // turn (its check phase), while the first is still held; one that stays queued settles
        // only once the first is released.
        const first = way.start(dispatcher, { origin, path: path("slow"), method: "GET" });
        const second = way.start(dispatcher, { origin, path: path("echo"), method: "GET" });
        await arrival(path("slow"));
        second.abort();
        const settled = second.answer.then(() => true, () => true);
        const atOnce = await Promise.race([settled, new Promise<false>((resolve) => setImmediate(() => resolve(false)))]);
        log.push(atOnce ? "settled at once" : "settled late");
        release(path("slow"));
        await body(await settle(second.answer));
        await body(await settle(first.answer));
        break;
      }
      case "unread": {
        const call = way.start(dispatcher, { origin, path: path("echo"), method: "GET" });
        const data = await settle(call.answer);
        call.abort();
        await body(data);
        break;
      }
      case "mid-body": {
        const call = way.start(dispatcher, { origin, path: path("drip"), method: "GET" });
        const data = await settle(call.answer);
        const chunks: string[] = [];
        try {
          for await (const chunk of data!.body) {
            chunks.push(String(chunk));
            call.abort();
          }
          log.push(`read ${chunks.join("")}`);
        } catch (error) {
          log.push(`read ${chunks.join("")} then ${outcome(error)}`);
        }
        break;
      }
      case "after-body": {
        const call = way.start(dispatcher, { origin, path: path("echo"), method: "GET" });
        await body(await settle(call.answer));
        call.abort();
        break;
      }
      case "failed": {
        const closed = new Agent();
        const call = way.start(closed, { origin: "http://127.0.0.1:1", path: "/", method: "GET" });
        await body(await settle(call.answer));
        call.abort();
        await closed.close();
        break;
      }
      case "twice": {
        const call = way.start(dispatcher, { origin, path: path("slow"), method: "GET" });
        call.abort();
        call.abort();
        await body(await settle(call.answer));
        break;
      }
    }
    return log;
  } finally {
    for (const url of [...held.keys()]) if (url.endsWith(`${scenario}-${tag}`)) release(url);
    await dispatcher.destroy();
  }
}

/** The scenario's paths the server saw for `tag`, once every connection has closed (anything sent after an abort has arrived by then). */
async function serverSaw(scenario: string, tag: string): Promise<string> {
  await connectionsClosed();
  return `server saw ${seen.filter((url) => url.endsWith(`${scenario}-${tag}`)).map((url) => url.split("?")[0]).join(",")}`;
}

describe("UpstreamAbort", () => {
  for (const scenario of ["before", "headers", "queued", "unread", "mid-body", "after-body", "failed", "twice"]) {
    it(`ends a request aborted ${scenario} as aborting its signal does`, async () => {
      const [reference, ours] = await Promise.all([run(withSignal, scenario, "signal"), run(withUpstreamAbort, scenario, "ours")]);
      reference.push(await serverSaw(scenario, "signal"));
      ours.push(await serverSaw(scenario, "ours"));
      expect(ours).toEqual(reference);
    });
  }

  it("aborts a request waiting for its headers (the reference itself behaves as the scenarios expect)", async () => {
    const log = await run(withUpstreamAbort, "headers", "check");
    expect(log[0]).toBe("rejected AbortError: This operation was aborted");
    const queued = await run(withUpstreamAbort, "queued", "check");
    expect(queued).toContain("settled at once");
    expect(await serverSaw("queued", "check")).toBe("server saw /slow");
  });
});
