// Many literal needles searched in one native pass: one regular expression, the needles as an
// alternation of escaped code units (no flags: code units compared as they are, as indexOf
// compares them), which V8 runs as one scan whatever the number of needles — 1,000 needles over a
// prompt's ~1.6 K skeleton characters cost ~26 µs against ~450 µs for 1,000 indexOf searches.
// A text in which the expression finds nothing holds none of the needles (the common case: most
// prompts hold no keyword); where it finds one, every position a needle starts at is visited (the
// search restarted one past each start found), and the needles that start there are told apart
// by their first code unit and `startsWith`.

// A code unit as an expression reads it literally: ASCII letters and digits as themselves, any
// other one (punctuation, other scripts, surrogate halves) as a \u escape.
function escaped(needle: string): string {
  let source = "";
  for (let index = 0; index < needle.length; index++) {
    const code = needle.charCodeAt(index);
    source += (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) ? needle[index] : `\\u${code.toString(16).padStart(4, "0")}`;
  }
  return source;
}

// A subject long enough (V8: 1,000 code units) that V8 compiles an expression's native code on its
// first run, without bytecode first. NUL characters: what expressions least expect.
const warmUp = "\u0000".repeat(1024);

/**
 * `expression` compiled now, so the snapshot's compilation pays it and not the first request: one
 * run over a long subject (a union of 2,500 patterns ~130 ms, 5,000 needles ~20 ms; run on a short
 * one first, bytecode then native code took ~760 and ~145 ms).
 */
export function warmed(expression: RegExp): RegExp {
  expression.test(warmUp);
  expression.lastIndex = 0;
  return expression;
}

/** Needles searched together; a needle's id is its index in `needles`. */
export class NeedleSet {
  /** The non-empty needles' alternation, global (undefined: none, or too large for one expression: each searched on its own). */
  private readonly starts?: RegExp;
  /** Ids of the non-empty needles by their first code unit. */
  private readonly byFirst = new Map<number, number[]>();
  /** Ids of empty needles (a literal keyword of invisible characters alone): in every text, as indexOf finds "" at 0. */
  private readonly empty: number[] = [];

  constructor(readonly needles: readonly string[]) {
    const searched = needles.filter((needle) => needle !== "");
    if (searched.length > 0) {
      try {
        this.starts = warmed(new RegExp(searched.map(escaped).join("|"), "g"));
      } catch {
        // V8 refuses expressions past its size limit: the needles are then searched one by one.
      }
    }
    for (const [id, needle] of needles.entries()) {
      if (needle === "") {
        this.empty.push(id);
        continue;
      }
      const first = needle.charCodeAt(0);
      const ids = this.byFirst.get(first);
      if (ids) ids.push(id);
      else this.byFirst.set(first, [id]);
    }
  }

  /** Which needles occur in `text` (1 at a needle's id); undefined when none does. */
  present(text: string): Uint8Array | undefined {
    const starts = this.starts;
    if (!starts) return this.eachOnItsOwn(text);
    starts.lastIndex = 0;
    let match = starts.exec(text);
    if (match === null && this.empty.length === 0) return undefined;
    const found = new Uint8Array(this.needles.length);
    for (const id of this.empty) found[id] = 1;
    for (; match !== null; match = starts.exec(text)) {
      const at = match.index;
      for (const id of this.byFirst.get(text.charCodeAt(at))!) if (text.startsWith(this.needles[id]!, at)) found[id] = 1;
      starts.lastIndex = at + 1;
    }
    return found;
  }

  private eachOnItsOwn(text: string): Uint8Array | undefined {
    let found: Uint8Array | undefined;
    for (const [id, needle] of this.needles.entries()) {
      if (!text.includes(needle)) continue;
      found ??= new Uint8Array(this.needles.length);
      found[id] = 1;
    }
    return found;
  }
}
