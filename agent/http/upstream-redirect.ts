// A provider's API never answers a model call with a redirect; an upstream that does is misconfigured
// (an http:// URL its host sends to https://, a moved base path) or not the provider at all. The agent
// does not follow it (undici's dispatcher follows nothing), and it does not pass it on either: the
// caller's HTTP client would follow the Location itself, re-sending the caller's original body —
// not the masked one the agent forwarded — straight to that host, outside the gateway, unrecorded.
// So a 3xx that names a Location ends the exchange as a 502 in the provider's format, recorded
// FAILED with where it pointed (origin and path only: a query may hold a signature or a key).
// A 3xx without a Location (304 Not Modified, a 300 with none) redirects nowhere and passes through.
import type { Refusal } from "../providers/index.js";

/** Where the Location points, origin and path, for the record (the raw value, cut, if it is no URL). */
function target(location: string, upstreamOrigin: string): string {
  try {
    const url = new URL(location, upstreamOrigin);
    return `${url.origin}${url.pathname}`;
  } catch {
    return JSON.stringify(location.slice(0, 200));
  }
}

/** The refusal for an upstream answer that redirects (3xx with a Location), with what to record; else undefined. */
export function redirectRefusal(
  connection: { name: string; upstream: { origin: string } },
  status: number,
  headers: Record<string, string | string[] | undefined>,
): { refusal: Refusal; error: string } | undefined {
  if (status < 300 || status > 399) return undefined;
  const location = headers.location;
  if (location === undefined || location === "") return undefined;
  return {
    refusal: {
      status: 502,
      kind: "bad_gateway",
      code: "upstream_redirect",
      message: `Upstream of connection ${connection.name} answered with a redirect (${status}), which the agent does not follow or pass on`,
    },
    error: `upstream redirected (${status}) to ${target(String(location), connection.upstream.origin)}`,
  };
}
