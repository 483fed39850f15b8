// A search or tail request as a storage filter (the contract has checked verdicts, the text's
// length and the time range's order): free text refused to callers who may not read contents (it
// would reveal them by probing), times outside what PostgreSQL stores refused.
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { ListSessionsRequest } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { adminCallerKey } from "../auth/admin-auth.js";
import { mayReadContents } from "../auth/permissions.js";
import type { SessionFilter } from "../storage/session-filter.js";
import { invalid } from "./input-checks.js";

/** The filter fields ListSessions and TailSessions share (a tail has no time range). */
export type FilterFields = Pick<ListSessionsRequest, "subject" | "connection" | "group" | "model" | "verdicts" | "text">
  & Partial<Pick<ListSessionsRequest, "startTime" | "endTime">>;

/** The storage filter of `request`; INVALID_ARGUMENT or PERMISSION_DENIED when it cannot be run. */
export function sessionFilter(request: FilterFields, context: HandlerContext): SessionFilter {
  const text = request.text.trim();
  if (text) {
    const caller = context.values.get(adminCallerKey);
    if (!mayReadContents(caller.roles)) {
      throw new ConnectError(
        `sessions: free-text search reads prompts and responses, which requires role admin or auditor; ${caller.actor} holds ${caller.roles.join(", ") || "no role"}`,
        Code.PermissionDenied,
      );
    }
  }
  const since = request.startTime && microsecondIso(request.startTime);
  const until = request.endTime && microsecondIso(request.endTime);
  return {
    subject: request.subject || undefined,
    connection: request.connection || undefined,
    group: request.group || undefined,
    model: request.model || undefined,
    verdicts: request.verdicts,
    since,
    until,
    text: text || undefined,
  };
}

// Timestamps keep their microseconds (PostgreSQL's precision); a Date would cut to milliseconds.
function microsecondIso(timestamp: Timestamp): string {
  const seconds = Number(timestamp.seconds);
  if (!Number.isFinite(seconds) || Math.abs(seconds) > 253_402_300_799) throw invalid("sessions: time out of range");
  const whole = new Date(seconds * 1000).toISOString().slice(0, 19);
  return `${whole}.${String(Math.floor(timestamp.nanos / 1000)).padStart(6, "0")}Z`;
}
