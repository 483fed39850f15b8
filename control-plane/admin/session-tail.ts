// TailSessions: sessions committed by any replica, streamed as they arrive (session-feed.ts hears
// their ids; they are read back through the caller's filter). A tail that cannot keep up, or whose
// feed lost its database connection, ends with an error rather than silently skipping sessions.
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import {
  SessionSchema, type TailSessionsRequest, type TailSessionsResponse, TailSessionsResponseSchema,
} from "../../gen/palisade/admin/v1/session_service_pb.js";
import type { ExchangeReader } from "../storage/exchanges.js";
import type { SessionFeed } from "../storage/session-feed.js";
import { sessionFilter } from "./session-query.js";
import { invalid, nulAt } from "./input-checks.js";

// Ids waiting to be read for one tail; beyond this the caller is not reading fast enough.
const MAX_PENDING_IDS = 10_000;

/** The TailSessions handler over `feed` and `exchanges`. */
export function createSessionTail(feed: SessionFeed, exchanges: ExchangeReader) {
  return async function* tailSessions(
    request: TailSessionsRequest,
    context: HandlerContext,
  ): AsyncGenerator<TailSessionsResponse> {
    // Streamed requests pass the admin API's NUL check unexamined.
    const at = nulAt(request, "request");
    if (at) throw invalid(`${at} contains a NUL character`);
    const filter = sessionFilter(request, context);
    const pending: string[][] = [];
    let pendingIds = 0;
    let failure: ConnectError | undefined;
    let wake: (() => void) | undefined;
    const unsubscribe = await feed.subscribe({
      sessions(ids) {
        pending.push(ids);
        pendingIds += ids.length;
        if (pendingIds > MAX_PENDING_IDS) {
          failure ??= new ConnectError(`tail fell more than ${MAX_PENDING_IDS} sessions behind; narrow the filter or read faster`, Code.ResourceExhausted);
        }
        wake?.();
      },
      lost() {
        failure ??= new ConnectError("the session feed lost its database connection; sessions may have been missed (start the tail again)", Code.Unavailable);
        wake?.();
      },
    });
    const aborted = () => wake?.();
    context.signal.addEventListener("abort", aborted);
    try {
      // Subscribed: say so, so the caller knows every later commit will reach it.
      yield create(TailSessionsResponseSchema, {});
      for (;;) {
        if (context.signal.aborted) throw ConnectError.from(context.signal.reason);
        if (failure) throw failure;
        const ids = pending.shift();
        if (!ids) {
          await new Promise<void>((resolve) => { wake = resolve; });
          wake = undefined;
          continue;
        }
        pendingIds -= ids.length;
        for (const stored of await exchanges.pick(ids, filter)) {
          yield create(TailSessionsResponseSchema, { session: create(SessionSchema, stored) });
        }
      }
    } finally {
      context.signal.removeEventListener("abort", aborted);
      unsubscribe();
    }
  };
}
