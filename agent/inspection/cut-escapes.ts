// Escapes that a boundary of a stream cuts ("project \u00" + "6eightingale", "%6" + "e…", "&#11" +
// "0;…"): a provider reads the stream's texts as one, where the escape is whole and spells what
// the texts on their own do not. Patterns read every stream joined already (content-view.ts's
// texts); keywords read each text's word view, and the joined runs glue those word views, in which
// a cut escape is only its letters and digits. So a stream with such a boundary is read once more
// as one text, around each such boundary (within REACH of it): joined with nothing there (the
// escape completed, over as many texts as it takes) and by a line break at its other boundaries
// (the joined runs read those either way already).
import { pendingEscape } from "../../core/text/escapes.js";
import type { SlotViews } from "./slot-views.js";
import type { TextSlot } from "./text-slot.js";

/** Characters read on each side of such a boundary (content-view.ts's PAIR_REACH). */
const REACH = 256;
/** pendingEscape reads at most this much of a text's end (48 for an escape, 4 selectors, a surrogate). */
const TAIL = 64;

// What may be an escape still open at the end of a text: a `\\`, `%` or `&` in its tail, or a last
// code unit that may be a variation selector or a high surrogate (a cheap test before the full one).
function mayOpen(tail: string): boolean {
  return tail.charCodeAt(tail.length - 1) >= 0xd800 || tail.includes("\\") || tail.includes("%") || tail.includes("&");
}
function isCut(tail: string): boolean {
  const pending = pendingEscape(tail);
  return pending.escape < tail.length || pending.tail < tail.length;
}

// A window cut inside a word would read its piece as a word of its own (a keyword's start or end
// where the text has none): cut where a word ends instead, unless the window is one word.
const wordCharacter = /[\p{L}\p{N}\p{M}]/u;
function wholeWords(text: string, start: number, end: number): string {
  let from = start;
  if (from > 0) while (from < end && wordCharacter.test(text[from - 1]!)) from++;
  let to = Math.min(end, text.length);
  if (to < text.length) while (to > from && wordCharacter.test(text[to]!)) to--;
  return to > from ? text.slice(from, to) : text.slice(start, end);
}

/** The texts to read besides the slots' own: each stream whose escapes a boundary cuts, read as one text around those boundaries. */
export function cutEscapeReadings(slots: readonly TextSlot[], streams: readonly (readonly number[])[], views: readonly SlotViews[]): string[] {
  const readings: string[] = [];
  let done: Set<string> | undefined;
  for (const members of streams) {
    // Plain ASCII holds no `%`, `&` or `\`, no variation selector, no surrogate: nothing it cuts.
    if (members.every((index) => views[index]!.plain)) continue;
    // Which boundaries cut an escape (by offset in the stream joined as below), from the end of
    // the text before each (what an escape still open may have begun in earlier texts included).
    const cutAfter: boolean[] = [];
    let tail = "";
    for (let at = 0; at + 1 < members.length; at++) {
      const text = slots[members[at]!]!.text;
      tail = text.length >= TAIL ? text.slice(-TAIL) : (tail + text).slice(-TAIL);
      const cut = mayOpen(tail) && isCut(tail);
      cutAfter.push(cut);
      if (!cut) tail = ""; // a line break follows: nothing before it continues
    }
    if (!cutAfter.includes(true)) continue;
    let joined = "";
    const cuts: number[] = [];
    for (let at = 0; at < members.length; at++) {
      if (at > 0) {
        if (cutAfter[at - 1]) cuts.push(joined.length);
        else joined += "\n";
      }
      joined += slots[members[at]!]!.text;
    }
    if (cuts.length === 0) continue;
    // Windows around the cut boundaries, merged when they overlap; each distinct one read once.
    let start = Math.max(0, cuts[0]! - REACH);
    let end = cuts[0]! + REACH;
    const read = () => {
      const window = wholeWords(joined, start, end);
      done ??= new Set();
      if (!done.has(window)) readings.push(window);
      done.add(window);
    };
    for (const at of cuts.slice(1)) {
      if (at - REACH <= end) end = at + REACH;
      else {
        read();
        start = at - REACH;
        end = at + REACH;
      }
    }
    read();
  }
  return readings;
}
