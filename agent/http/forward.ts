// Sends one admitted request to its connection's upstream with undici and streams the answer back:
// every chunk goes to the caller as soon as it arrives (with backpressure) and, alongside, to the
// recorder. Nothing is buffered whole.
import type { IncomingMessage, ServerResponse } from "node:http";
import { errors, type Dispatcher } from "undici";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { CompiledConnection } from "../config/compile-snapshot.js";
import type { StreamFilter } from "../providers/index.js";
import type { ExchangeRecorder } from "../record/exchange-recorder.js";
import { downstreamResponseHeaders, upstreamRequestHeaders } from "./headers.js";
import { writeRefusal } from "./refusal.js";
import type { Route } from "./route.js";

/** What forwarding needs besides the request itself. */
export interface ForwardContext {
  dispatcher: Dispatcher;
  /** How long to wait for the upstream's response headers (non-streamed completions can take minutes). */
  headersTimeoutMs: number;
}

function isTimeout(error: unknown): boolean {
  return error instanceof errors.HeadersTimeoutError || error instanceof errors.ConnectTimeoutError;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** The upstream's base path, then the path below the connection, then the caller's query. */
function upstreamPath(connection: CompiledConnection, route: Route): string {
  return (`${connection.basePath}${route.rest}` || "/") + route.search;
}

/** Resolves once the caller can take more data, or has gone. */
function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/**
 * Forwards the request and records the outcome; never throws. `filter` (when given) rewrites an
 * event-stream response on its way to the caller; the recorder sees the upstream's bytes.
 */
export async function forward(
  context: ForwardContext,
  req: IncomingMessage,
  res: ServerResponse,
  connection: CompiledConnection,
  route: Route,
  body: Buffer,
  recorder: ExchangeRecorder,
  filter?: StreamFilter,
): Promise<void> {
  const abort = new AbortController();
  let callerGone = false;
  res.on("close", () => {
    if (!res.writableFinished) {
      callerGone = true;
      abort.abort();
    }
  });

  let upstream: Dispatcher.ResponseData;
  try {
    const method = (req.method ?? "GET").toUpperCase();
    upstream = await context.dispatcher.request({
      origin: connection.upstream.origin,
      path: upstreamPath(connection, route),
      method: method as Dispatcher.HttpMethod,
      headers: upstreamRequestHeaders(req.headers, connection.upstream, connection.credential),
      body: body.length > 0 || !["GET", "HEAD"].includes(method) ? body : undefined,
      signal: abort.signal,
      headersTimeout: context.headersTimeoutMs,
      bodyTimeout: 0, // streams may pause for as long as the model thinks
    });
  } catch (error) {
    if (callerGone) return recorder.finish({ status: 499, verdict: Verdict.FAILED, error: "caller closed the connection" });
    const timeout = isTimeout(error);
    const refusal = timeout
      ? { status: 504, kind: "gateway_timeout" as const, message: `Upstream of connection ${connection.name} did not answer in time` }
      : { status: 502, kind: "bad_gateway" as const, message: `Upstream of connection ${connection.name} is unreachable` };
    recorder.responseStart(connection.provider, "application/json");
    recorder.responseChunk(writeRefusal(res, connection.provider, refusal));
    recorder.firstByte();
    return recorder.finish({ status: refusal.status, verdict: Verdict.FAILED, reason: refusal.message, error: describe(error) });
  }

  const contentType = String(upstream.headers["content-type"] ?? "");
  res.writeHead(upstream.statusCode, downstreamResponseHeaders(upstream.headers));
  // An event stream's first event may be long in coming (the model is thinking); the caller's SDK
  // waits for the headers, so send them now rather than with the first chunk.
  const streamed = contentType.toLowerCase().startsWith("text/event-stream");
  if (streamed) res.flushHeaders();
  // Only an event stream is filtered (an error answer in JSON goes through as it is).
  const through = streamed ? filter : undefined;
  recorder.responseStart(connection.provider, contentType);
  try {
    for await (const chunk of upstream.body as AsyncIterable<Buffer>) {
      recorder.firstByte();
      const out = through ? through.push(chunk) : chunk;
      const more = out.length === 0 || res.write(out);
      recorder.responseChunk(chunk);
      if (!more) await writable(res);
      if (callerGone) break;
    }
    if (callerGone) throw new Error("caller closed the connection");
    recorder.firstByte();
    res.end(through?.end());
    recorder.finish({ status: upstream.statusCode, verdict: Verdict.ALLOWED });
  } catch (error) {
    upstream.body.destroy();
    res.destroy();
    const detail = callerGone ? "caller closed the connection" : `upstream broke off: ${describe(error)}`;
    recorder.finish({ status: upstream.statusCode, verdict: Verdict.FAILED, error: detail });
  }
}
