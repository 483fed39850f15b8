// `/<connection>/<rest>?query` → which connection, and what to append to its upstream.

/** A request's target split into the connection name and the rest. */
export interface Route {
  connection: string;
  /** Path below the connection, normalised (no dot segments), "" or starting with "/". */
  rest: string;
  /** The query string including "?", or "". */
  search: string;
}

/**
 * Splits a request target. Dot segments are resolved first (WHATWG URL rules, `%2e` included), so
 * `rest` can never climb above the connection's upstream base path.
 */
export function parseRoute(target: string): Route | undefined {
  return plainRoute(target) ?? parsedRoute(target);
}

// A target of plain characters only (no "%", no dot segment, nothing WHATWG URL would encode or
// rewrite) splits as URL would split it, without the cost of building a URL on every request.
const plainTarget = /^\/([A-Za-z0-9_~!$&'()*+,;=:@-][A-Za-z0-9._~!$&'()*+,;=:@-]*)((?:\/[A-Za-z0-9._~!$&'()*+,;=:@-]*)*)(\?[A-Za-z0-9._~!$&()*+,;=:@/?-]*)?$/;
const dotSegment = /\/\.\.?(?:\/|\?|$)/;

function plainRoute(target: string): Route | undefined {
  const match = plainTarget.exec(target);
  if (!match || dotSegment.test(target) || match[1]!.startsWith(".")) return undefined;
  const search = match[3] ?? "";
  return { connection: match[1]!, rest: match[2]!, search: search === "?" ? "" : search };
}

function parsedRoute(target: string): Route | undefined {
  let url: URL;
  try {
    url = new URL(target, "http://agent.invalid");
  } catch {
    return undefined;
  }
  const match = /^\/([^/]+)(\/.*)?$/.exec(url.pathname);
  if (!match) return undefined;
  let connection: string;
  try {
    connection = decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
  return { connection, rest: match[2] ?? "", search: url.search };
}
