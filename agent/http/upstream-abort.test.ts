// UpstreamAbort against an AbortSignal: the same request, aborted at the same moment both ways, ends
// the same way (how the promise settles, with which error, what the body gives, what the server saw).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, Client, type Dispatcher } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamAbort, upstreamRequest } from "./upstream-request.js";

let server: Server;
let origin: string;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? "");
    if (req.url?.startsWith("/slow")) return void setTimeout(() => res.end("late"), 300).unref();
    if (req.url?.startsWith("/drip")) {
      res.writeHead(200);
      res.write("first ");
      return void setTimeout(() => res.end("last"), 300).unref();
    }
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`echo ${req.url?.split("?")[0]}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
        setTimeout(call.abort, 50);
        await body(await settle(call.answer));
        break;
      }
      case "queued": {
        // One connection, busy with a slow request: the second waits in the client's queue.
        const first = way.start(dispatcher, { origin, path: path("slow"), method: "GET" });
        const second = way.start(dispatcher, { origin, path: path("echo"), method: "GET" });
        await pause(30);
        second.abort();
        const started = Date.now();
        await body(await settle(second.answer));
        log.push(Date.now() - started < 200 ? "settled at once" : "settled late");
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
        await pause(10);
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
    await pause(350); // anything the server still gets after the abort
    log.push(`server saw ${seen.filter((url) => url.endsWith(`${scenario}-${tag}`)).map((url) => url.split("?")[0]).join(",")}`);
    return log;
  } finally {
    await dispatcher.destroy();
  }
}

describe("UpstreamAbort", () => {
  for (const scenario of ["before", "headers", "queued", "unread", "mid-body", "after-body", "failed", "twice"]) {
    it(`ends a request aborted ${scenario} as aborting its signal does`, async () => {
      const [reference, ours] = await Promise.all([run(withSignal, scenario, "signal"), run(withUpstreamAbort, scenario, "ours")]);
      expect(ours).toEqual(reference);
    });
  }

  it("aborts a request waiting for its headers (the reference itself behaves as the scenarios expect)", async () => {
    const log = await run(withUpstreamAbort, "headers", "check");
    expect(log[0]).toBe("rejected AbortError: This operation was aborted");
    const queued = await run(withUpstreamAbort, "queued", "check");
    expect(queued).toContain("settled at once");
    expect(queued.at(-1)).toBe("server saw /slow");
  });
});
