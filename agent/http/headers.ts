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

// Headers that choose the account a provider key acts for: the organization or project it bills
// and whose data (files, fine-tunes, vector stores, batches) it reaches. They belong to the
// connection's credential, which the caller never holds, so a caller may not re-scope it (a user
// key in several organizations would otherwise serve any of them). The OpenAI SDK sends the first
// two from OPENAI_ORG_ID / OPENAI_PROJECT_ID; dropped, the key acts for its own default.
const accountScoping = ["openai-organization", "openai-project", "x-goog-user-project"];

const noTokens: ReadonlySet<string> = new Set();
// `Connection` values seen (keep-alive, close, a few more): the same few on every request.
const tokenSets = new Map<string, ReadonlySet<string>>();

/** The headers named in `Connection` (which are hop-by-hop too), lower case. */
function connectionTokens(headers: IncomingHttpHeaders): ReadonlySet<string> {
  const value = headers.connection;
  if (value === undefined) return noTokens;
  const list = Array.isArray(value) ? value.join(",") : value;
  let tokens = tokenSets.get(list);
  if (tokens === undefined) {
    tokens = new Set(list.split(",").map((token) => token.trim().toLowerCase()).filter(Boolean));
    if (tokenSets.size < 256 && list.length <= 256) tokenSets.set(list, tokens);
  }
  return tokens;
}

/** The caller's headers minus hop-by-hop ones and its credential (the caller never sees, and the upstream never gets, the other side's secrets). */
function passable(headers: IncomingHttpHeaders, alsoDrop: ReadonlySet<string>): OutgoingHttpHeaders {
  const named = connectionTokens(headers);
  const out: OutgoingHttpHeaders = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    const lower = name.toLowerCase();
    if (value === undefined || hopByHop.has(lower) || named.has(lower) || alsoDrop.has(lower)) continue;
    out[lower] = value;
  }
  return out;
}

// What the upstream never gets, by the connection's credential header (a snapshot's few).
const dropSets = new Map<string, ReadonlySet<string>>();

/** The caller's credentials, the agent's own headers, the account-scoping ones and the connection's credential header. */
function upstreamDrop(credentialHeader: string): ReadonlySet<string> {
  let drop = dropSets.get(credentialHeader);
  if (drop === undefined) {
    drop = new Set([...callerCredentialHeaders, ...agentOwned, ...accountScoping, credentialHeader.toLowerCase()]);
    if (dropSets.size < 256) dropSets.set(credentialHeader, drop);
  }
  return drop;
}

/** The names of the caller's headers that go upstream (so are inspected): not hop-by-hop, not a credential, not set by the agent. */
export function forwardedHeaderNames(caller: IncomingHttpHeaders, credentialHeader: string): string[] {
  const drop = upstreamDrop(credentialHeader);
  const named = connectionTokens(caller);
  // The keys passable() would give, without building its object: node:http's header names are
  // lower case already, so each name passing is a key of its own, in this order. A name in
  // another case (two may become one key) or "__proto__" (no own key when assigned) takes passable().
  const names: string[] = [];
  for (const name of Object.keys(caller)) {
    if (name === "__proto__" || name.toLowerCase() !== name) return Object.keys(passable(caller, drop));
    if (caller[name] === undefined || hopByHop.has(name) || named.has(name) || drop.has(name)) continue;
    names.push(name);
  }
  return names;
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
  const out = passable(caller, upstreamDrop(credential.header)) as Record<string, string | string[]>;
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
