// An upstream answer that ended early: the provider went silent past the idle timeout (undici's
// `bodyTimeout`, which closes the upstream socket) or broke the connection off mid-answer. The
// caller gets a clear error instead of a response held open or silently cut — a refusal in the
// provider's format when no byte of the answer has gone out yet, else, in an event stream, the
// provider's own streaming error event and a clean end (so the SDK raises its typed error); a
// whole body already under way can only be cut.
import type { ServerResponse } from "node:http";
import { errors } from "undici";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { CompiledConnection } from "../config/compile-snapshot.js";
import type { Refusal } from "../providers/index.js";
import type { ExchangeRecorder } from "../record/exchange-recorder.js";
import { recordRefusal } from "./refusal.js";
import type { Route } from "./route.js";

/** True for undici's idle-body timeout: the upstream sent nothing for the idle timeout. */
export function isStall(error: unknown): boolean {
  return error instanceof errors.BodyTimeoutError;
}

/** The answer that was cut: the upstream's status, and whether its body was an event stream. */
export interface CutResponse {
  status: number;
  streamed: boolean;
}

/** Why it was cut: what the caller is told, and the cause kept in the record. */
export interface CutReason {
  refusal: Refusal;
  error: string;
}

/** The reason for an upstream that sent nothing for `idleTimeoutMs`. */
export function stalled(connection: CompiledConnection, idleTimeoutMs: number): CutReason {
  return {
    refusal: { status: 504, kind: "gateway_timeout", message: `Upstream of connection ${connection.name} stopped sending for ${idleTimeoutMs / 1000} s; its answer was cut off` },
    error: `upstream stalled: no data for ${idleTimeoutMs} ms`,
  };
}

/** The reason for an upstream that broke the connection off mid-answer (`detail`: the socket error). */
export function brokeOff(connection: CompiledConnection, detail: string): CutReason {
  return {
    refusal: { status: 502, kind: "bad_gateway", message: `Upstream of connection ${connection.name} broke off its answer` },
    error: `upstream broke off: ${detail}`,
  };
}

/** Ends the caller's response after a cut (see above) and records it FAILED; the upstream is already closed. */
export function endCutAnswer(res: ServerResponse, recorder: ExchangeRecorder, connection: CompiledConnection, route: Route, cut: CutResponse, why: CutReason): void {
  const outcome = { verdict: Verdict.FAILED, reason: why.refusal.message, error: why.error };
  if (!res.headersSent) return recordRefusal(res, recorder, connection.provider, why.refusal, outcome);
  const event = cut.streamed ? connection.provider.streamError?.(route.rest, why.refusal) : undefined;
  if (event) {
    // Blank lines first: they end an event the upstream left half-sent, and are ignored otherwise.
    const bytes = Buffer.from(`\n\n${event}`);
    res.end(bytes);
    recorder.responseChunk(bytes);
  } else {
    res.destroy();
  }
  recorder.finish({ status: cut.status, ...outcome });
}
