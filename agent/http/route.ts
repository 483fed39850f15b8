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
