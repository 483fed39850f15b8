// Keeps the last object of a kind alive until the next one is made, so that V8 keeps the optimized
// code of the functions that work on it.
//
// V8 reaches the hidden class (map) of an object built by adding properties — a class instance
// whose constructor sets fields, a value from JSON.parse — only through its transition tree, which
// holds maps weakly. Optimized code embeds the maps it was specialised for, weakly too: when a major
// GC finds no live object of such a map, the map is collected and every function whose code
// embedded it is thrown away ("embedded weak objects cleared" under --trace-deopt). A reply masker's
// objects (its text streams, sign ledgers, shapes, loose streams, the session's context) all die
// with its stream; a major GC between two masked streams — any while the agent serves other
// requests, or none — then sends the next streams back to the interpreter, and the masker is
// compiled again (Maglev, then TurboFan, on V8's helper threads) over the next tens of streams:
// ~40 % more CPU for the first hundred streams after one such GC (docs/performance.md, "Issue 13:
// the masker's code kept across major GCs"). Keeping the last one made keeps an object of each of
// its maps alive, so its code stays.
//
// The cost: the last object (and what it reaches: a stream's text so far, its session's pseudonyms)
// stays in memory until the next one of its kind is made — one per kind, never more.

/** A holder of the last value given to `keep`. */
export class LastKept<T> {
  /** The value held (nothing needs to read it: holding it is the point). */
  last: T | undefined;

  /** Holds `value` (letting the previous one go) and returns it. */
  keep(value: T): T {
    this.last = value;
    return value;
  }
}
