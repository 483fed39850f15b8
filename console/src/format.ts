// How the console writes times, durations, roles and verdicts.
import { timestampDate, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Role } from "../../gen/palisade/admin/v1/resources_pb.js";
import { ReviewState } from "../../gen/palisade/admin/v1/review_service_pb.js";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";

/** A timestamp as local date and time, to the second; "—" when unset. */
export function when(t: Timestamp | undefined): string {
  if (!t) return "—";
  const date = timestampDate(t);
  return date.toLocaleString(undefined, { year: "numeric", month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** A timestamp as an ISO string (for <time dateTime>). */
export function iso(t: Timestamp | undefined): string {
  return t ? timestampDate(t).toISOString() : "";
}

/** Milliseconds of a duration. */
export function millis(d: Duration | undefined): number {
  return d ? Number(d.seconds) * 1000 + d.nanos / 1e6 : 0;
}

/** A span of milliseconds for people: "850 ms", "4.2 s", "3 min 5 s", "2 h 10 min". */
export function span(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.floor((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Time left until `t` from `now`, or "expired". */
export function timeLeft(t: Timestamp | undefined, now: number): string {
  if (!t) return "—";
  const left = timestampDate(t).getTime() - now;
  return left <= 0 ? "expired" : span(left);
}

/** A role's name as RoleBindings spell it. */
export function roleName(role: Role): string {
  return (Role[role] ?? "unspecified").toLowerCase();
}

/** A verdict's name in lower case ("allowed", "denied", …). */
export function verdictName(verdict: Verdict): string {
  return (Verdict[verdict] ?? "unspecified").toLowerCase();
}

/** A review state's name in lower case. */
export function reviewStateName(state: ReviewState): string {
  return (ReviewState[state] ?? "unspecified").toLowerCase();
}

/** A count with thousands separators. */
export function count(n: number | bigint): string {
  return Number(n).toLocaleString();
}
