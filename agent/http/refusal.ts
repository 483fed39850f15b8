// Writing the agent's own answers (refusals and upstream failures) in the provider's format, so the
// caller's SDK raises its usual typed error.
import type { ServerResponse } from "node:http";
import type { ProviderSpec, Refusal } from "../providers/index.js";
import type { ExchangeRecorder, Outcome } from "../record/exchange-recorder.js";

/** Writes `refusal` as JSON in `provider`'s error shape and returns the bytes written (for the record). */
export function writeRefusal(res: ServerResponse, provider: ProviderSpec, refusal: Refusal, extraHeaders: Record<string, string> = {}): Buffer {
  const body = Buffer.from(JSON.stringify(provider.errorBody(refusal)));
  if (res.headersSent) {
    // Too late for a status: the only honest signal left is a broken connection.
    res.destroy();
    return body;
  }
  res.writeHead(refusal.status, {
    ...extraHeaders,
    "content-type": "application/json",
    "content-length": String(body.length),
  });
  res.end(body);
  return body;
}

/** Writes `refusal` (see writeRefusal) as the exchange's response and finishes its record with `outcome` and the refusal's status. */
export function recordRefusal(
  res: ServerResponse,
  recorder: ExchangeRecorder,
  provider: ProviderSpec,
  refusal: Refusal,
  outcome: Omit<Outcome, "status">,
  extraHeaders?: Record<string, string>,
): void {
  recorder.refusal(writeRefusal(res, provider, refusal, extraHeaders), provider);
  recorder.finish({ status: refusal.status, ...outcome });
}
