// Turns matches into replacement text, counting each one: a redaction marker, a pseudonym
// placeholder, or (reply side) a session placeholder's original value for the caller while the
// record keeps the placeholder.
import type { FindingCounter } from "./finding-counter.js";
import { redactMarker } from "./markers.js";
import type { Match } from "./match-scanner.js";
import type { PseudonymTable } from "./pseudonym-table.js";

/** Text for the caller and for the record; equal unless a placeholder was restored. */
export interface TwoTexts {
  client: string;
  record: string;
}

export type Side = "request" | "response";

export interface Replacer {
  /** The replacement of `match` found at `location`; counts it. */
  replace(match: Match, location: string): TwoTexts;
}

/** A replacer over the session's table and counter. Request-side pseudonyms of `restore` rules become restorable. */
export function createReplacer(table: PseudonymTable, counter: FindingCounter, side: Side): Replacer {
  return {
    replace(match, location) {
      if (match.entry) {
        if (!match.entry.restore) return { client: match.value, record: match.value };
        counter.add("restored", location);
        return { client: match.entry.value, record: match.value };
      }
      counter.add(match.detector, location);
      const rule = match.rule;
      const text =
        rule?.style === "pseudonymize" ? table.placeholderFor(match.value, match.detector, side === "request" && rule.restore) : redactMarker(match.detector);
      return { client: text, record: text };
    },
  };
}

/** `text[from, to)` with `matches` that lie inside it replaced (matches sorted, non-overlapping, in `text`'s offsets). */
export function applyMatches(text: string, matches: readonly Match[], from: number, to: number, location: string, replacer: Replacer): TwoTexts {
  let client = "";
  let record = "";
  let at = from;
  for (const match of matches) {
    if (match.start < from || match.end > to) continue;
    const piece = text.slice(at, match.start);
    const replaced = replacer.replace(match, location);
    client += piece + replaced.client;
    record += piece + replaced.record;
    at = match.end;
  }
  if (at === from) {
    const whole = text.slice(from, to);
    return { client: whole, record: whole };
  }
  const rest = text.slice(at, to);
  return { client: client + rest, record: record + rest };
}
