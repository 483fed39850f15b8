// Sessions of ListSessions, newest first, as the consumer takes them: a page is asked for while
// the one before it is written, never more than one ahead, so a listing of any length holds at
// most two pages in memory and stops asking once the consumer stops (stdout closed, an error).
import type { Duration } from "@bufbuild/protobuf/wkt";
import type { ListSessionsRequest, ListSessionsResponse, Session } from "../../gen/palisade/admin/v1/session_service_pb.js";
import type { AdminClients } from "../client.js";

/** Sessions per ListSessions call: the server's largest page. */
export const MAX_PAGE = 1000;

/** A ListSessions request without its page fields. */
export type SessionQuery = Omit<Partial<ListSessionsRequest>, "pageSize" | "pageToken" | "$typeName">;

/** A paged listing: iterate `sessions`; afterwards `nextPageToken()` continues it ("" when nothing is left). */
export interface SessionPages {
  sessions: AsyncIterable<Session>;
  nextPageToken(): string;
  /** After iterating: the first page's text_index_lag (a free-text search the index had not caught up with). */
  textIndexLag(): Duration | undefined;
}

/** Up to `limit` sessions matching `query`, from `pageToken` ("" = the newest). */
export function sessionPages(admin: AdminClients, query: SessionQuery, pageToken: string, limit: number): SessionPages {
  let next = pageToken;
  let lag: Duration | undefined;
  let first = true;
  async function* sessions(): AsyncGenerator<Session> {
    const stop = new AbortController();
    const ask = (token: string, size: number): Promise<ListSessionsResponse> => {
      const page = admin.sessions.listSessions({ ...query, pageSize: size, pageToken: token }, { signal: stop.signal });
      // A page asked for ahead may fail after the consumer stopped; it is awaited before it is used.
      page.catch(() => {});
      return page;
    };
    let left = limit;
    let page = ask(pageToken, Math.min(left, MAX_PAGE));
    try {
      for (;;) {
        const { sessions: found, nextPageToken, textIndexLag } = await page;
        if (first) lag = textIndexLag;
        first = false;
        left -= found.length;
        next = nextPageToken;
        const more = nextPageToken !== "" && left > 0;
        if (more) page = ask(nextPageToken, Math.min(left, MAX_PAGE));
        yield* found;
        if (!more) return;
      }
    } finally {
      stop.abort();
    }
  }
  return { sessions: sessions(), nextPageToken: () => next, textIndexLag: () => lag };
}
