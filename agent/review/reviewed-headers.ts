// The caller's headers an approval covers. Every header that goes upstream with the request may
// change what the provider does with the same body (`x-http-method-override`, an organization or
// project, a beta feature, a generic API's own switches), so a grant names them all, failing closed:
// a header changed means a new review. Left out are only those that say how a client is built or
// traced and never what is asked: the user agent, Stainless SDKs' `x-stainless-*` (language,
// version, retry count), tracing context, and an idempotency key (new on every call of some SDKs).
import type { IncomingHttpHeaders } from "node:http";
import { forwardedHeaderNames } from "../http/headers.js";

const unreviewed = new Set([
  "user-agent", "traceparent", "tracestate", "baggage", "sentry-trace", "b3", "x-request-id",
  "x-correlation-id", "x-amzn-trace-id", "x-cloud-trace-context", "idempotency-key",
]);
const unreviewedPrefixes = ["x-stainless-", "x-b3-"];

const reviewed = (name: string) => !unreviewed.has(name) && !unreviewedPrefixes.some((prefix) => name.startsWith(prefix));

/**
 * The headers sent upstream with the request that a grant covers, `[name, value]` sorted by name;
 * `contentType` is the Content-Type sent upstream when the agent re-wrote the body (else the caller's).
 */
export function reviewedHeaders(caller: IncomingHttpHeaders, credentialHeader: string, contentType: string | undefined): [string, string][] {
  const out: [string, string][] = [];
  for (const name of forwardedHeaderNames(caller, credentialHeader)) {
    const lower = name.toLowerCase();
    if (!reviewed(lower)) continue;
    const value = lower === "content-type" && contentType !== undefined ? contentType : caller[lower] ?? caller[name];
    if (value === undefined) continue;
    out.push([lower, Array.isArray(value) ? value.join(", ") : String(value)]);
  }
  if (contentType !== undefined && !out.some(([name]) => name === "content-type")) out.push(["content-type", contentType]);
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
