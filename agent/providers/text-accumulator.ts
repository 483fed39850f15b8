// Streamed text grows as long as the model talks; the record keeps only its beginning.

/** Appends pieces up to a bound, remembering whether anything was left out. */
export interface TextAccumulator {
  append(piece: string): void;
  readonly text: string;
  readonly truncated: boolean;
}

// A class, not an object literal with getters: V8 keeps a literal's accessors in the old
// generation, so each stream's getter closures (and the text they hold) outlived every scavenge
// until the next full GC (docs/performance.md, "Issue 13: the tail at one connection").
class Accumulator implements TextAccumulator {
  #text = "";
  #truncated = false;

  constructor(private readonly maxChars: number) {}

  append(piece: string): void {
    if (piece === "") return;
    const room = this.maxChars - this.#text.length;
    if (piece.length > room) this.#truncated = true;
    if (room > 0) this.#text += piece.slice(0, room);
  }

  get text(): string {
    return this.#text;
  }

  get truncated(): boolean {
    return this.#truncated;
  }
}

/** Creates an accumulator keeping at most `maxChars` UTF-16 code units. */
export function createTextAccumulator(maxChars: number): TextAccumulator {
  return new Accumulator(maxChars);
}
