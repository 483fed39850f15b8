// An upstream that answered and then went silent: after the idle timeout (undici's `bodyTimeout`,
// which closes the upstream socket) the caller gets a clear error instead of a response held open
// for ever — 504 when no byte of the answer has gone out yet, else, in an event stream, the
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

/** What ended the stalled exchange: the upstream's status, and whether its body was an event stream. */
export interface StalledResponse {
  status: number;
  streamed: boolean;
  idleTimeoutMs: number;
}

/** Ends the caller's response after a stall (see above) and records it FAILED; the upstream is already closed. */
export function endStalled(res: ServerResponse, recorder: ExchangeRecorder, connection: CompiledConnection, route: Route, stalled: StalledResponse): void {
  const refusal: Refusal = {
    status: 504,
    kind: "gateway_timeout",
    message: `Upstream of connection ${connection.name} stopped sending for ${stalled.idleTimeoutMs / 1000} s; its answer was cut off`,
  };
  const outcome = { verdict: Verdict.FAILED, reason: refusal.message, error: `upstream stalled: no data for ${stalled.idleTimeoutMs} ms` };
  if (!res.headersSent) return recordRefusal(res, recorder, connection.provider, refusal, outcome);
  const event = stalled.streamed ? connection.provider.streamError?.(route.rest, refusal) : undefined;
  if (event) {
    // Blank lines first: they end an event the upstream left half-sent, and are ignored otherwise.
    const bytes = Buffer.from(`\n\n${event}`);
    res.end(bytes);
    recorder.responseChunk(bytes);
  } else {
    res.destroy();
  }
  recorder.finish({ status: stalled.status, ...outcome });
}
