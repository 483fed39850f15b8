// Where a caller's Palisade token travels: OpenAI SDKs send `Authorization: Bearer <apiKey>`,
// the Anthropic SDK sends `x-api-key: <apiKey>`. Either way the api key is the caller's JWT.
// A request carrying more than one credential is refused, not resolved by a rule of ours: Node
// keeps the first of two `Authorization` headers and joins two `x-api-key`s, and a proxy in front
// of the agent (or a log, a WAF, a rate limiter keyed on the key) may read the last one, or the
// other header — two readers would then see two callers in one request.
import type { IncomingHttpHeaders } from "node:http";

/** The caller's token (undefined when no header carries one), or why the request's credentials are ambiguous. */
export type CallerToken = { token: string | undefined; ambiguous?: undefined } | { token?: undefined; ambiguous: string };

/** How often `rawHeaders` (name, value, name, value…) names `authorization` and `x-api-key`. */
function credentialHeaderCounts(rawHeaders: readonly string[]): { authorization: number; apiKey: number } {
  let authorization = 0;
  let apiKey = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    // Compared by length first: most names are neither, and lower-casing each would cost a string.
    if (name.length === 13 && name.toLowerCase() === "authorization") authorization++;
    else if (name.length === 9 && name.toLowerCase() === "x-api-key") apiKey++;
  }
  return { authorization, apiKey };
}

/**
 * The caller's token from `Authorization: Bearer` or `x-api-key`. Ambiguous: either header sent
 * twice, or both sent with different values (both with the same token is one credential: some
 * clients send it in both).
 */
export function readCallerToken(request: { headers: IncomingHttpHeaders; rawHeaders: readonly string[] }): CallerToken {
  const { headers } = request;
  if (headers.authorization === undefined && headers["x-api-key"] === undefined) return { token: undefined };
  const counts = credentialHeaderCounts(request.rawHeaders);
  if (counts.authorization > 1) return { ambiguous: "more than one Authorization header" };
  if (counts.apiKey > 1) return { ambiguous: "more than one x-api-key header" };
  const apiKey = (headers["x-api-key"] as string | undefined)?.trim() || undefined;
  const authorization = headers.authorization?.trim();
  if (!authorization) return { token: apiKey };
  // Any other scheme (Basic, a bare value) carries no token the agent reads: refused as missing.
  const bearer = /^bearer\s+(\S+)$/i.exec(authorization)?.[1];
  if (apiKey !== undefined && apiKey !== bearer) return { ambiguous: "Authorization and x-api-key carry different credentials" };
  return { token: bearer };
}
