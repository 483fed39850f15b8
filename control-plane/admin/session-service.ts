// palisade.admin.v1.SessionService: recorded exchanges, newest first, paged by keyset.
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { SessionService } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { type ExchangeReader, type StoredExchange, TEXT_SEARCH_TIMEOUT_MS } from "../storage/exchanges.js";
import type { SessionFeed } from "../storage/session-feed.js";
import { sessionFilter } from "./session-query.js";
import { createSessionResend } from "./session-resend.js";
import { createSessionTail } from "./session-tail.js";
import { invalid } from "./input-checks.js";

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

type Position = { startedKey: string; id: string };
// PostgreSQL's text form of a timestamptz, as the listing returns it.
const TIMESTAMP_TEXT = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d)?$/;

// The page token is the keyset position of the previous page's last session, opaque to callers.
function encodeToken(position: Position): string {
  return Buffer.from(JSON.stringify([position.startedKey, position.id])).toString("base64url");
}

function decodeToken(token: string): Position {
  try {
    const [startedKey, id] = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as unknown[];
    if (typeof startedKey === "string" && TIMESTAMP_TEXT.test(startedKey) && typeof id === "string") {
      return { startedKey, id };
    }
  } catch {
    // fall through to the error below
  }
  throw invalid("sessions: page_token is not one this server returned");
}

function toSession({ exchange, commitTime }: StoredExchange) {
  return { exchange, commitTime };
}

/** What the SessionService reads. */
export interface SessionServiceDeps {
  exchanges: ExchangeReader;
  feed: SessionFeed;
}

/** The SessionService implementation over `exchanges`. */
export function createSessionService({ exchanges, feed }: SessionServiceDeps): ServiceImpl<typeof SessionService> {
  return {
    async listSessions(request, context) {
      const pageSize = Math.min(request.pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
      // One more than asked tells whether another page follows.
      const page = await exchanges.list({
        ...sessionFilter(request, context),
        limit: pageSize + 1,
        after: request.pageToken ? decodeToken(request.pageToken) : undefined,
      }).catch((error: unknown) => {
        if ((error as { code?: string }).code !== "57014") throw error;
        throw new ConnectError(
          `sessions: free-text search took longer than ${TEXT_SEARCH_TIMEOUT_MS / 1000} s (its words are in too many sessions); narrow it with a time range or other filters`,
          Code.DeadlineExceeded,
        );
      });
      const shown = page.exchanges.slice(0, pageSize);
      const more = page.exchanges.length > pageSize;
      const last = shown.at(-1);
      return {
        sessions: shown.map(toSession),
        textIndexLag: page.textIndexOldestMs === undefined ? undefined : durationFromMs(Math.max(0, Date.now() - page.textIndexOldestMs)),
        nextPageToken: more && last
          ? encodeToken({ startedKey: page.keys[pageSize - 1]!, id: last.exchange.id })
          : "",
      };
    },
    async getSession(request) {
      const found = await exchanges.get(request.id);
      if (!found) throw new ConnectError(`session "${request.id}" not found`, Code.NotFound);
      return { session: toSession(found) };
    },
    tailSessions: createSessionTail(feed, exchanges),
    prepareResend: createSessionResend(exchanges),
  };
}
