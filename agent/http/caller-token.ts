// Where a caller's Palisade token travels: OpenAI SDKs send `Authorization: Bearer <apiKey>`,
// the Anthropic SDK sends `x-api-key: <apiKey>`. Either way the api key is the caller's JWT.
import type { IncomingHttpHeaders } from "node:http";

/** The caller's token from `Authorization: Bearer` or `x-api-key`, or undefined when neither carries one. */
export function readCallerToken(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization?.trim();
  if (authorization) {
    const match = /^bearer\s+(\S+)$/i.exec(authorization);
    return match?.[1];
  }
  const apiKey = headers["x-api-key"];
  const value = (Array.isArray(apiKey) ? apiKey[0] : apiKey)?.trim();
  return value || undefined;
}
