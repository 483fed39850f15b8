// Header rules at the two hops: what the caller's request carries upstream, and what the upstream's
// response carries back. Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and never
// cross the proxy in either direction.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

const hopByHop = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

// The caller's own credential: its Palisade token travels in either of these; neither may reach the upstream.
const callerCredentialHeaders = new Set(["authorization", "x-api-key"]);

// Set by the agent (or undici) for the upstream connection: the host, the body length actually sent,
// accept-encoding (dropped so the upstream answers uncompressed; the agent reads the body and
// undici does not decompress) and content-encoding (the body sent is always the decoded one the
// agent inspected).
const agentOwned = new Set(["host", "content-length", "accept-encoding", "expect", "content-encoding"]);

/** The headers named in `Connection` (which are hop-by-hop too), lower case. */
function connectionTokens(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  const list = Array.isArray(value) ? value.join(",") : (value ?? "");
  return new Set(list.split(",").map((token) => token.trim().toLowerCase()).filter(Boolean));
}

/** The caller's headers minus hop-by-hop ones and its credential (the caller never sees, and the upstream never gets, the other side's secrets). */
function passable(headers: IncomingHttpHeaders, alsoDrop: Set<string>): OutgoingHttpHeaders {
  const named = connectionTokens(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || hopByHop.has(lower) || named.has(lower) || alsoDrop.has(lower)) continue;
    out[lower] = value;
  }
  return out;
}

/** The names of the caller's headers that go upstream (so are inspected): not hop-by-hop, not a credential, not set by the agent. */
export function forwardedHeaderNames(caller: IncomingHttpHeaders, credentialHeader: string): string[] {
  const drop = new Set([...callerCredentialHeaders, ...agentOwned, credentialHeader.toLowerCase()]);
  return Object.keys(passable(caller, drop));
}

/**
 * Headers for the upstream request: the caller's, cleaned, with `masked` values in place of theirs,
 * host, the connection's credential and (when given) the canonical body's Content-Type set (undici
 * sets the length of the body it sends).
 */
export function upstreamRequestHeaders(
  caller: IncomingHttpHeaders,
  upstream: URL,
  credential: { header: string; value: string },
  contentType?: string,
  masked?: Record<string, string | string[]>,
): Record<string, string | string[]> {
  const drop = new Set([...callerCredentialHeaders, ...agentOwned, credential.header.toLowerCase()]);
  const out = passable(caller, drop) as Record<string, string | string[]>;
  if (masked) for (const [name, value] of Object.entries(masked)) if (name in out) out[name] = value;
  out.host = upstream.host;
  if (contentType !== undefined) out["content-type"] = contentType; // the body was transcoded or re-written
  out[credential.header.toLowerCase()] = credential.value;
  return out;
}

// The agent's own response header: an upstream (or another agent in front of it) must not replace it.
const agentResponseHeaders = new Set(["x-palisade-session"]);

/** Headers for the caller's response: the upstream's, minus hop-by-hop ones and the agent's own. */
export function downstreamResponseHeaders(upstream: IncomingHttpHeaders): OutgoingHttpHeaders {
  return passable(upstream, agentResponseHeaders);
}
