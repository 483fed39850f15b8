// The session's pseudonyms: the same value always gets the same placeholder (`<EMAIL_1>`), in the
// request and in the response, and a placeholder found in the provider's reply maps back to its
// value. Lives in memory for one exchange only.
import { markerLabel, placeholder } from "./markers.js";

export interface PseudonymEntry {
  placeholder: string;
  value: string;
  /** Made by a request rule with `restore`: the caller gets the value back. */
  restore: boolean;
}

export interface PseudonymTable {
  /** The placeholder for `value` found by `detector`, made on first use; `restore` marks it restorable (never unmarks). */
  placeholderFor(value: string, detector: string, restore: boolean): string;
  /** The entry of a placeholder made in this session, if any. */
  byPlaceholder(token: string): PseudonymEntry | undefined;
  /** Whether any placeholder was made at all (only then can a reply contain one). */
  readonly size: number;
  /** How many placeholders are to be restored in the reply. */
  readonly restorable: number;
}

/** An empty table. */
export function createPseudonymTable(): PseudonymTable {
  const byValue = new Map<string, PseudonymEntry>();
  const byToken = new Map<string, PseudonymEntry>();
  const counters = new Map<string, number>();
  let restorable = 0;
  return {
    placeholderFor(value, detector, restore) {
      let entry = byValue.get(value);
      if (!entry) {
        const label = markerLabel(detector);
        const number = (counters.get(label) ?? 0) + 1;
        counters.set(label, number);
        entry = { placeholder: placeholder(label, number), value, restore };
        byValue.set(value, entry);
        byToken.set(entry.placeholder, entry);
        if (restore) restorable++;
      } else if (restore && !entry.restore) {
        entry.restore = true;
        restorable++;
      }
      return entry.placeholder;
    },
    byPlaceholder: (token) => byToken.get(token),
    get size() {
      return byToken.size;
    },
    get restorable() {
      return restorable;
    },
  };
}
