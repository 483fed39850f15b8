// Calendar periods in a budget's IANA time zone, by Luxon (days of 23 or 25 hours across a DST
// change, ISO weeks from Monday): the period that holds an instant, as UTC instants.
import { DateTime } from "luxon";
import type { PeriodName } from "./budget-settings.js";

/** The period of kind `period` in `timeZone` that holds `now`: [start, end). */
export function periodAt(period: PeriodName, timeZone: string, now: Date): { start: Date; end: Date } {
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  if (!local.isValid) throw new Error(`time zone ${timeZone}: ${local.invalidExplanation ?? "invalid"}`);
  const start = local.startOf(period); // Luxon's weeks are ISO weeks (Monday) unless asked otherwise
  const end = start.plus({ [`${period}s`]: 1 });
  return { start: start.toJSDate(), end: end.toJSDate() };
}
