// Streamed text grows as long as the model talks; the record keeps only its beginning.

/** Appends pieces up to a bound, remembering whether anything was left out. */
export interface TextAccumulator {
  append(piece: string): void;
  readonly text: string;
  readonly truncated: boolean;
}

/** Creates an accumulator keeping at most `maxChars` UTF-16 code units. */
export function createTextAccumulator(maxChars: number): TextAccumulator {
  let text = "";
  let truncated = false;
  return {
    append(piece) {
      if (piece === "") return;
      const room = maxChars - text.length;
      if (piece.length > room) truncated = true;
      if (room > 0) text += piece.slice(0, room);
    },
    get text() {
      return text;
    },
    get truncated() {
      return truncated;
    },
  };
}
