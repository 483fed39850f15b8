// Sends one admitted request to its connection's upstream with undici and streams the answer back:
// every chunk goes to the caller as soon as it arrives (with backpressure) and, alongside, to the
// recorder. Nothing is buffered whole, except a non-streamed response that must be masked
// (relay-inspected.ts). The request body given is already what goes upstream: the canonical,
// decoded body (masked if need be), with the Content-Type that describes it. A reply the agent must
// read but cannot (agent/masking/uninspectable.ts) ends as a 502 in the provider's format, or its
// stream error event once the answer is under way, recorded with why.
import type { IncomingMessage, ServerResponse } from "node:http";
import { errors, type Dispatcher } from "undici";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { CompiledConnection } from "../config/compile-snapshot.js";
import type { RequestMetrics } from "../observability/agent-metrics.js";
import type { MaskSession } from "../masking/mask-session.js";
import type { StreamFilter } from "../providers/index.js";
import type { ExchangeRecorder } from "../record/exchange-recorder.js";
import { downstreamResponseHeaders, upstreamRequestHeaders } from "./headers.js";
import { recordRefusal } from "./refusal.js";
import { relayInspected } from "./relay-inspected.js";
import { relayResponse, writable, type Relay } from "./relay-response.js";
import { UpstreamAbort, upstreamRequest } from "./upstream-request.js";
import { UninspectableReply } from "../masking/uninspectable.js";
import type { Route } from "./route.js";
import { brokeOff, endCutAnswer, isStall, stalled as stalledFor } from "./cut-answer.js";
import { redirectRefusal } from "./upstream-redirect.js";
import { CredentialEchoed, createEchoGuard, headersEcho } from "./credential-echo.js";

/** What forwarding needs besides the request itself. */
export interface ForwardContext {
  dispatcher: Dispatcher;
  /** How long to wait for the upstream's response headers (non-streamed completions can take minutes). */
  headersTimeoutMs: number;
  /** How long the upstream's body may send nothing (between headers and a chunk, or two chunks) before it is cut off. */
  idleTimeoutMs: number;
  /** Where upstream failures and the upstream's time to response headers are counted; absent: nowhere. */
  metrics?: Pick<RequestMetrics, "upstreamFailure" | "upstreamAnswered">;
}

function isTimeout(error: unknown): boolean {
  return error instanceof errors.HeadersTimeoutError || error instanceof errors.ConnectTimeoutError;
}

// Errors of the connection's set-up: no connection was made, so no byte of the request reached
// the provider (which bills nothing). Anything later (a reset, a timeout for headers) may follow a
// delivered request and keeps the estimate.
const UNDELIVERED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

/** True when `error` says the upstream was never reached. */
function neverDelivered(error: unknown): boolean {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return error instanceof errors.ConnectTimeoutError || (typeof code === "string" && UNDELIVERED.has(code));
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** Resolves in the event loop's next check phase: after the ticks (and writes) queued so far. */
const afterWrites = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The upstream's base path, then the path below the connection, then the caller's query. */
function upstreamPath(connection: CompiledConnection, route: Route): string {
  return (`${connection.basePath}${route.rest}` || "/") + route.search;
}

/**
 * Forwards the request and records the outcome; never throws. `filter` (when given) rewrites an
 * event-stream response on its way to the caller (the recorder sees the bytes before it);
 * `masking` is the exchange's mask session, when masking applied (it says whether the reply must be read).
 */
export async function forward(
  context: ForwardContext,
  req: IncomingMessage,
  res: ServerResponse,
  connection: CompiledConnection,
  route: Route,
  body: { bytes: Buffer; contentType?: string; headers?: Record<string, string | string[]> },
  recorder: ExchangeRecorder,
  filter?: StreamFilter,
  masking?: MaskSession,
): Promise<void> {
  // A caller that left while the request waited (for a review, a body, a shared limit) is not
  // answered by anyone: nothing goes upstream. The close event below fired before it was heard.
  if (res.closed || res.destroyed) return recorder.finish({ status: 499, verdict: Verdict.FAILED, error: "caller closed the connection before it was forwarded" });
  const abort = new UpstreamAbort();
  let callerGone = false;
  let callerStalled = false; // cut for taking nothing for the idle timeout (relay-response.ts)
  res.on("close", () => {
    if (!res.writableFinished) {
      callerGone = true;
      abort.abort();
    }
  });

  let upstream: Dispatcher.ResponseData;
  try {
    const method = (req.method ?? "GET").toUpperCase();
    const handedOver = performance.now();
    upstream = await upstreamRequest(context.dispatcher, {
      origin: connection.upstream.origin,
      path: upstreamPath(connection, route),
      method: method as Dispatcher.HttpMethod,
      headers: upstreamRequestHeaders(req.headers, connection.upstream, connection.credential, body.contentType, body.headers),
      body: body.bytes.length > 0 || !["GET", "HEAD"].includes(method) ? body.bytes : undefined,
      headersTimeout: context.headersTimeoutMs,
      // Between chunks the model may think for a while, but not for ever (cut-answer.ts).
      bodyTimeout: context.idleTimeoutMs,
    }, abort);
    // The provider's latency as the agent sees it (connection set-up included), until the final
    // response headers (interim 1xx answers do not settle the request), however long the body then streams.
    context.metrics?.upstreamAnswered(connection.name, (performance.now() - handedOver) / 1000);
  } catch (error) {
    if (callerGone) return recorder.finish({ status: 499, verdict: Verdict.FAILED, error: "caller closed the connection" });
    const timeout = isTimeout(error);
    if (neverDelivered(error)) recorder.notDelivered();
    context.metrics?.upstreamFailure(connection.name, timeout ? "timeout" : "unreachable");
    const refusal = timeout
      ? { status: 504, kind: "gateway_timeout" as const, message: `Upstream of connection ${connection.name} did not answer in time` }
      : { status: 502, kind: "bad_gateway" as const, message: `Upstream of connection ${connection.name} is unreachable` };
    return recordRefusal(res, recorder, connection.provider, refusal, { verdict: Verdict.FAILED, reason: refusal.message, error: describe(error) });
  }

  // A redirect is neither followed nor passed on (upstream-redirect.ts).
  const redirect = redirectRefusal(connection, upstream.statusCode, upstream.headers);
  if (redirect) {
    upstream.body.on("error", () => {});
    upstream.body.destroy();
    context.metrics?.upstreamFailure(connection.name, "redirected");
    return recordRefusal(res, recorder, connection.provider, redirect.refusal, { verdict: Verdict.FAILED, reason: redirect.refusal.message, error: redirect.error });
  }
  const contentType = String(upstream.headers["content-type"] ?? "");
  const streamed = contentType.toLowerCase().startsWith("text/event-stream");
  const headers = downstreamResponseHeaders(upstream.headers);
  try {
    // The connection's credential goes back to no caller, in a header or the body (credential-echo.ts).
    if (headersEcho(headers, connection.credentialNeedles)) throw new CredentialEchoed("headers");
    const echo = createEchoGuard(connection.credentialNeedles);
    const relay: Relay = { upstream, res, headers, streamed, contentType, provider: connection.provider, recorder, filter, echo, callerGone: () => callerGone, writable: () => writable(res, context.idleTimeoutMs, () => { callerStalled = true; }) };
    // A reply the session must read (masking or restoring) is inspected before any of it is sent.
    await (masking?.inspectsReplies ? relayInspected(relay, masking) : relayResponse(relay));
    // The record is finished (its queued pieces read, the exchange encoded) once the answer's last
    // write has left: node:http sends it in a tick after res.end(), and a stream that came in one
    // read (its end with it) would otherwise wait there for the whole record, its first byte too.
    await afterWrites();
    recorder.finish({ status: upstream.statusCode, verdict: Verdict.ALLOWED });
  } catch (error) {
    upstream.body.on("error", () => {});
    upstream.body.destroy();
    if (callerGone) {
      res.destroy();
      const why = callerStalled ? `caller took nothing for ${context.idleTimeoutMs} ms; cut` : "caller closed the connection";
      return recorder.finish({ status: upstream.statusCode, verdict: Verdict.FAILED, error: why });
    }
    if (error instanceof UninspectableReply) {
      // Fail closed: what cannot be read is not passed on (and the rest is discarded).
      const refusal = { status: 502, kind: "uninspectable_reply" as const, message: `Palisade cannot inspect the reply of connection ${connection.name}: ${error.reason}` };
      return endCutAnswer(res, recorder, connection, route, { status: upstream.statusCode, streamed: res.headersSent }, { refusal, error: `uninspectable reply: ${error.reason}` });
    }
    if (error instanceof CredentialEchoed) {
      context.metrics?.upstreamFailure(connection.name, "credential_echoed");
      const refusal = { status: 502, kind: "bad_gateway" as const, code: "credential_echoed", message: `Upstream of connection ${connection.name} sent the connection's credential back in its reply; Palisade withheld the rest of it` };
      return endCutAnswer(res, recorder, connection, route, { status: upstream.statusCode, streamed: res.headersSent }, { refusal, error: `credential echoed: ${error.message}` });
    }
    const stalled = isStall(error);
    context.metrics?.upstreamFailure(connection.name, stalled ? "stalled" : "broke_off");
    const why = stalled ? stalledFor(connection, context.idleTimeoutMs) : brokeOff(connection, describe(error));
    endCutAnswer(res, recorder, connection, route, { status: upstream.statusCode, streamed }, why);
  }
}
