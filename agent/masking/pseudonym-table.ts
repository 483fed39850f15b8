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

// A class, not an object literal with getters: see finding-counter.ts (accessors of a literal
// keep each request's state alive through the young-generation GC). Its maps are made with the
// first placeholder: most exchanges make none (redact rules, or nothing found), and three empty
// maps were ~0.5 KB of every exchange's allocation.
class Table implements PseudonymTable {
  #byValue: Map<string, PseudonymEntry> | undefined;
  #byToken: Map<string, PseudonymEntry> | undefined;
  #counters: Map<string, number> | undefined;
  #restorable = 0;

  placeholderFor(value: string, detector: string, restore: boolean): string {
    let entry = this.#byValue?.get(value);
    if (!entry) {
      const label = markerLabel(detector);
      const counters = (this.#counters ??= new Map());
      const number = (counters.get(label) ?? 0) + 1;
      counters.set(label, number);
      entry = { placeholder: placeholder(label, number), value, restore };
      (this.#byValue ??= new Map()).set(value, entry);
      (this.#byToken ??= new Map()).set(entry.placeholder, entry);
      if (restore) this.#restorable++;
    } else if (restore && !entry.restore) {
      entry.restore = true;
      this.#restorable++;
    }
    return entry.placeholder;
  }

  byPlaceholder(token: string): PseudonymEntry | undefined {
    return this.#byToken?.get(token);
  }

  get size(): number {
    return this.#byToken?.size ?? 0;
  }

  get restorable(): number {
    return this.#restorable;
  }
}

/** An empty table. */
export function createPseudonymTable(): PseudonymTable {
  return new Table();
}
