// Which slots are read joined, and how a boundary between two of them may read. A provider reads
// consecutive content parts and messages as one text; a tool schema or raw JSON shows a key next
// to its value and a label (a model, an id, a type) next to the text around it. So the document's
// slots (joinedReading) are read:
//
// - values: the text a provider reads (every string value but labels) joined in document order,
//   across any number of boundaries;
// - the boundaries that touch a label (keys left out) or a key (in the whole document), and each
//   label with the value before and after it when other labels or keys sit between: as streams for
//   keywords and patterns, and as pairs of neighbours for masking (a value split over a label and
//   its neighbour is found; a label is not glued to a value over two boundaries).
//
// A boundary between two words (a letter or digit on both sides) may read as nothing
// ("night" + "ingale") or as a space ("about the" + "nightingale"), and each boundary of a text
// may read either way independently: variants() gives every mix around each cluster of such
// boundaries of the values (joined-words.ts does the same for keywords in one linear pass).
import { type TextSlot, UnmaskableError } from "./text-slot.js";

/** How a request's document slots are read joined (slot indices, document order). */
export interface JoinedReading {
  /** The values, read joined across every boundary. */
  values: number[];
  /** Runs read joined by content rules: the values, values with labels, the whole document, each far label with its values. */
  streams: number[][];
  /** Neighbours read joined by masking besides the values: boundaries touching a label or a key, far labels with their values. */
  pairs: [number, number][];
}

const inDocument = (slot: TextSlot) => slot.role !== undefined && !slot.numeric && slot.text !== "";

/** How `slots` are read joined (see the header). */
export function joinedReading(slots: readonly TextSlot[]): JoinedReading {
  const document: number[] = [];
  slots.forEach((slot, index) => {
    if (inDocument(slot)) document.push(index);
  });
  const role = (index: number) => slots[index]!.role!;
  const values = document.filter((index) => role(index) === "value");
  const labelled = document.filter((index) => role(index) !== "key");
  const streams = [values, labelled, document].filter((members) => members.length > 1);
  // No pair comes twice: the labelled boundaries touch a label, the document's ones a key, and a
  // far label's value is not its neighbour.
  const pairs: [number, number][] = [];
  const pair = (left: number, right: number) => pairs.push([left, right]);
  labelled.forEach((index, at) => {
    const next = labelled[at + 1];
    if (next !== undefined && (role(index) === "label" || role(next) === "label")) pair(index, next);
  });
  document.forEach((index, at) => {
    const next = document[at + 1];
    if (next !== undefined && (role(index) === "key" || role(next) === "key")) pair(index, next);
  });
  // A label far from its values (other labels or keys between): read with the value on each side.
  const before: (number | undefined)[] = [];
  let last: number | undefined;
  for (const index of labelled) {
    before.push(last);
    if (role(index) === "value") last = index;
  }
  let after: number | undefined;
  for (let at = labelled.length - 1; at >= 0; at--) {
    const index = labelled[at]!;
    if (role(index) !== "label") {
      after = index;
      continue;
    }
    const previous = before[at];
    if (previous !== undefined && labelled[at - 1] !== previous) {
      pair(previous, index);
      streams.push([previous, index]);
    }
    if (after !== undefined && labelled[at + 1] !== after) {
      pair(index, after);
      streams.push([index, after]);
    }
  }
  // A provider assembles its prompt from the body's members in its own order, not the order they
  // are written in (Anthropic's `system` before `messages`, Responses' `instructions` before
  // `input`, tools before the conversation): the last text of each top-level member is also read
  // with the first text of every other one (of the first MAX_GROUPS members holding text).
  const first = new Map<number, number>();
  const final = new Map<number, number>();
  for (const index of values) {
    const group = slots[index]!.group;
    if (group === undefined || (!first.has(group) && first.size >= MAX_GROUPS)) continue;
    if (!first.has(group)) first.set(group, index);
    final.set(group, index);
  }
  if (first.size > 1) {
    const next = new Map(values.slice(0, -1).map((index, at) => [index, values[at + 1]!]));
    for (const [group, left] of final) {
      for (const [other, right] of first) {
        if (other === group || next.get(left) === right) continue; // neighbours are read joined already
        pair(left, right);
        streams.push([left, right]);
      }
    }
  }
  return { values, streams, pairs };
}

/** Top-level members of a body whose texts are read with each other's in any order (beyond: in document order only). */
export const MAX_GROUPS = 16;

// What may sit at a text's edge without being read: invisible and combining characters, controls.
const junkEnd = /[\p{Default_Ignorable_Code_Point}\p{M}\p{Cc}\p{Cf}]+$/u;
const junkStart = /^[\p{Default_Ignorable_Code_Point}\p{M}\p{Cc}\p{Cf}]+/u;
const wordEnd = /[\p{L}\p{N}]$/u;
const wordStart = /^[\p{L}\p{N}]/u;

const asciiWord = (code: number) => (code >= 48 && code <= 57) || ((code | 32) >= 97 && (code | 32) <= 122);
// Printable ASCII that is not a letter or digit: a separator, read as itself.
const asciiSeparator = (code: number) => code >= 32 && code < 127 && !asciiWord(code);

/** A boundary between `left` and `right` lies between two words: it may read as nothing or as a space. */
export function softBoundary(left: string, right: string): boolean {
  const last = left.charCodeAt(left.length - 1);
  const first = right.charCodeAt(0);
  if (asciiSeparator(last) || asciiSeparator(first)) return false;
  if (asciiWord(last) && asciiWord(first)) return true;
  const end = (left.length > 32 ? left.slice(-32) : left).replace(junkEnd, "");
  const start = right.slice(0, 32).replace(junkStart, "");
  return wordEnd.test(end) && wordStart.test(start);
}

/** A text of the stream with some soft boundaries read as a space, and the way back to the stream's offsets. */
export interface Variant {
  text: string;
  /** Offset of `text` in the stream's joined text (with no spaces inserted). */
  from: number;
  /** Joined offsets (from `from`) where a space was inserted, ascending. */
  spaces: number[];
}

/** The stream's joined offset of `offset` in a variant's text. */
export function variantOffset(variant: Variant, offset: number): number {
  let inserted = 0;
  for (const at of variant.spaces) {
    if (at + inserted < offset) inserted++;
    else break;
  }
  return variant.from + offset - inserted;
}

// Soft boundaries closer than this are read as one cluster (every mix tried); each variant's text
// reaches this far beyond its cluster. Longer than any value that can hold a space (a card with
// separators, a phone number, an IBAN).
const CLUSTER_REACH = 64;
// Clusters of up to this many soft boundaries get every mix; larger ones every mix of each run of
// this many consecutive ones (the others read as nothing), and all of them as spaces.
const EXHAUSTIVE = 6;
/** Variants one request may need before its joined reading is refused as too fragmented. */
export const MAX_VARIANTS = 4096;

// The joined text a variant of the soft boundaries `run` reads (before spaces are inserted).
const reachOf = (run: readonly number[], length: number): [number, number] => [Math.max(0, run[0]! - CLUSTER_REACH), Math.min(length, run.at(-1)! + CLUSTER_REACH)];

/**
 * Every mix of nothing and a space at the soft boundaries of `joined` (offsets `soft`, ascending),
 * cluster by cluster (all-nothing, the plain joined text, is not repeated). A run of boundaries
 * whose reach `mayFind` rules out is skipped: nothing a space inserted there could make is found
 * (mayFind is false for a text with spaces inserted whenever it is false for the text). Throws
 * UnmaskableError past `budget.left` variants.
 */
export function* variants(joined: string, soft: readonly number[], budget: { left: number }, mayFind: (text: string) => boolean = () => true): Generator<Variant> {
  let start = 0;
  while (start < soft.length) {
    let end = start + 1;
    while (end < soft.length && soft[end]! - soft[end - 1]! <= CLUSTER_REACH) end++;
    const cluster = soft.slice(start, end);
    start = end;
    const size = cluster.length;
    const may = (run: readonly number[]) => mayFind(joined.slice(...reachOf(run, joined.length)));
    // Ordinary prose in many short turns ("ok", "thanks") holds nothing to find: no variant.
    if (!may(cluster)) continue;
    // Each run is counted before its variants are built: a cluster of thousands of boundaries
    // near something findable is refused after a few runs.
    const perRun = (1 << Math.min(size, EXHAUSTIVE)) - 1;
    const runCount = size <= EXHAUSTIVE ? 1 : size - EXHAUSTIVE + 1;
    const masks: { run: readonly number[]; mask: number }[] = [];
    const spend = (count: number) => {
      budget.left -= count;
      if (budget.left < 0) throw new UnmaskableError("request", "text split over too many short pieces to be read joined");
    };
    for (let at = 0; at < runCount; at++) {
      const run = runCount === 1 ? cluster : cluster.slice(at, at + EXHAUSTIVE);
      if (runCount > 1 && !may(run)) continue;
      spend(perRun);
      for (let mask = 1; mask <= perRun; mask++) masks.push({ run, mask });
    }
    if (runCount > 1) {
      spend(1);
      masks.push({ run: cluster, mask: -1 });
    }
    for (const { run, mask } of masks) {
      const [from, to] = reachOf(run, joined.length);
      const spaces = run.filter((_, bit) => mask === -1 || (mask >> bit) & 1).map((at) => at - from);
      let text = "";
      let at = 0;
      for (const space of spaces) {
        text += `${joined.slice(from + at, from + space)} `;
        at = space;
      }
      text += joined.slice(from + at, to);
      yield { text, from, spaces };
    }
  }
}
