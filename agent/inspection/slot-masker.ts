// Masks the text slots of a request: every slot on its own, and the document's streams joined
// (joined-reading.ts), so a value split over two content parts, a key and its value, or a label and
// the text next to it (`jane.doe@exa` + `mple.com`, `4111 1111` + `1111 1111`) is found and every
// fragment masked (the first carries the marker, the others are emptied). A finding of a joined
// text that only glues neighbouring text to a complete finding of one slot ("send" +
// "jane@example.com") is left to that slot's own finding. Numbers are masked as digits (masked-number.ts).
import { isPlainProse } from "../../core/detectors/compile-detectors.js";
import { CLEAN_PAIR_LENGTH } from "../masking/clean-pairs.js";
import type { PromptMasker } from "../masking/mask-context.js";
import type { Match } from "../masking/match-scanner.js";
import { type JoinedReading, joinedReading, MAX_VARIANTS, softBoundary, variantOffset, variants } from "./joined-reading.js";
import { maskedDigits } from "./masked-number.js";
import { UnmaskableError, type TextSlot } from "./text-slot.js";

interface Edit {
  start: number;
  end: number;
  replacement: string;
}

// Characters either side of a boundary scanned for findings across it (longer than any finding a
// stream would mask whole: e-mail 254, patterns 128).
const REACH = 300;

// Windows [start, end) of the joined text around each boundary, merged when they overlap.
function windowsAround(boundaries: readonly number[], length: number): [number, number][] {
  const windows: [number, number][] = [];
  for (const boundary of boundaries) {
    const start = Math.max(0, boundary - REACH);
    const end = Math.min(length, boundary + REACH);
    const last = windows.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else windows.push([start, end]);
  }
  return windows;
}

/** A finding of a joined text, as the slot spans it covers ([slot, start, end], first slot first). */
interface Candidate {
  found: Match;
  pieces: [number, number, number][];
  length: number;
  /** The rest of a secret whose first part is a slot's own finding (every piece emptied). */
  continues?: boolean;
}

/** No finding (shared: a slot with nothing to find, most of them). */
const NO_MATCHES: readonly Match[] = Object.freeze([]);

/** What every stream shares while masking one request. */
interface Crossing {
  slots: readonly TextSlot[];
  own: readonly (readonly Match[])[];
  masker: PromptMasker;
  budget: { left: number };
  /** Whether a slot's text is clean prose (see maskSlots). */
  clean(slot: number): boolean;
}

// Whether `joined`[from, to), texts of clean prose joined at `joins`, may hold anything: only
// within the masker's reach of a join (PromptMasker.proseReach).
function mayFindNearJoins(joined: string, joins: readonly number[], from: number, to: number, masker: PromptMasker, reach: number): boolean {
  for (const join of joins) {
    if (join <= from || join >= to) continue;
    if (masker.mayFind(joined.slice(Math.max(from, join - reach), Math.min(to, join + reach)))) return true;
  }
  return false;
}

// Whether texts of clean prose joined may hold anything: only within the masker's reach of a
// join, read from the texts themselves (the joined text is not built).
function mayFindAtJoins(texts: readonly string[], masker: PromptMasker, reach: number): boolean {
  for (let join = 1; join < texts.length; join++) {
    let before = "";
    for (let at = join - 1; at >= 0 && before.length < reach; at--) before = texts[at]! + before;
    let after = "";
    for (let at = join; at < texts.length && after.length < reach; at++) after += texts[at]!;
    if (masker.mayFind(before.slice(Math.max(0, before.length - reach)) + after.slice(0, reach))) return true;
  }
  return false;
}

/** Findings of the slots `members` joined that cross a boundary, as slot spans (not yet chosen); `spaces`: read each boundary between two words as a space too. */
function crossFindings(members: readonly number[], spaces: boolean, state: Crossing): Candidate[] {
  const { slots, own, masker } = state;
  // Clean prose joined where nothing near a join may hold anything holds nothing (mayFind's
  // promise), with spaces inserted at its boundaries neither (nor does any part of it): no scan,
  // no variant can find anything.
  const reach = masker.proseReach;
  if (reach !== undefined && members.every((index) => state.clean(index)) && !mayFindAtJoins(members.map((index) => slots[index]!.text), masker, reach)) return [];
  const starts: number[] = [];
  let joined = "";
  for (const index of members) {
    starts.push(joined.length);
    joined += slots[index]!.text;
  }
  const boundaries = starts.slice(1);
  const slotAt = (offset: number) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  };
  const candidates: Candidate[] = [];
  const take = (found: Match, start: number, end: number) => {
    const first = slotAt(start);
    const last = slotAt(end - 1);
    // Within one slot, a finding its slot alone gives is that slot's; one it does not is found by
    // what a neighbour says before or after it (a secret after its name in a key: "aws_secret_access_key"
    // joined with "wJalr…"), so it is masked as found.
    if (first === last) {
      const offset = starts[first]!;
      const slot = members[first]!;
      if (own[slot]!.some((match) => match.start <= start - offset && end - offset <= match.end)) return;
      candidates.push({ found: { ...found, start, end }, pieces: [[slot, start - offset, end - offset]], length: end - start, continues: false });
      return;
    }
    // Left to a slot's own finding when, within that slot, the joined finding is exactly that
    // finding: it only glues neighbouring text to a complete value ("send" + "jane@example.com").
    // Not a secret in the values read joined: a key, a token or a PEM block cut by a boundary may be
    // one on its own before the cut (a PEM header, a key's first 24 characters), and what runs on
    // is more of it, not glue (it went out in clear): the rest is emptied, the slot's own finding
    // carrying the marker. (Keys and labels next to a value are the document's, never emptied.)
    const secret = spaces && found.detector === "secrets"; // the values read joined: text, never a key or a label
    let continues = false;
    const pieces: [number, number, number][] = [];
    for (let position = first; position <= last; position++) {
      const offset = starts[position]!;
      const slot = members[position]!;
      const inside: [number, number] = [Math.max(0, start - offset), Math.min(slots[slot]!.text.length, end - offset)];
      if (own[slot]!.some((match) => match.start === inside[0] && match.end === inside[1])) {
        if (!secret) return;
        continues = true;
        continue;
      }
      pieces.push([slot, inside[0], inside[1]]);
    }
    if (pieces.length === 0) return;
    candidates.push({ found: { ...found, start, end }, pieces, length: end - start, continues });
  };
  // Texts of clean prose joined hold nothing away from their joins: a window where nothing near a
  // join may hold anything finds nothing (mayFind's promise), so it is not scanned.
  const prose = reach !== undefined && members.every((index) => state.clean(index));
  for (const [from, to] of windowsAround(boundaries, joined.length)) {
    if (prose && !mayFindNearJoins(joined, boundaries, from, to, masker, reach)) continue;
    for (const found of masker.find(joined.slice(from, to))) take(found, from + found.start, from + found.end);
  }
  if (!spaces) return candidates;
  // Boundaries between two words also read as a space, in every mix around each cluster of them.
  const soft = starts.slice(1).filter((_, position) => softBoundary(slots[members[position]!]!.text, slots[members[position + 1]!]!.text));
  for (const variant of variants(joined, soft, state.budget, masker.mayFind)) {
    for (const found of masker.find(variant.text)) take(found, variantOffset(variant, found.start), variantOffset(variant, found.end - 1) + 1);
  }
  return candidates;
}

// `text` with `edits` applied; overlapping edits become one covering both (the first's replacement).
function applyEdits(text: string, edits: Edit[]): string {
  edits.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = "";
  let at = 0;
  let current: Edit | undefined;
  for (const edit of edits) {
    if (current && edit.start < current.end) {
      current.end = Math.max(current.end, edit.end);
      continue;
    }
    if (current) {
      out += text.slice(at, current.start) + current.replacement;
      at = current.end;
    }
    current = { ...edit };
  }
  if (current) {
    out += text.slice(at, current.start) + current.replacement;
    at = current.end;
  }
  return out + text.slice(at);
}

/**
 * Masks `slots` in place (through their `write`); true when anything changed. Throws
 * UnmaskableError when a finding lies in a slot that cannot be rewritten. `reading`: how the slots
 * are read joined (the inspection's, when it has worked it out already).
 */
export function maskSlots(slots: readonly TextSlot[], masker: PromptMasker, reading: JoinedReading = joinedReading(slots)): boolean {
  // A slot of clean prose: plain prose (isPlainProse) that no rule's quick test says yes to, when
  // the rules promise what that means (PromptMasker.proseReach): no part of it may hold anything,
  // and joined to other clean prose it may only near the join. Worked out once per slot asked.
  const reach = masker.proseReach;
  const cleanSlots = new Map<number, boolean>();
  const clean = (slot: number): boolean => {
    if (reach === undefined) return false;
    let known = cleanSlots.get(slot);
    if (known === undefined) {
      const text = slots[slot]!.text;
      // A short text is its own end: asked once for both. A long one, known plain prose, is not read for signs again (mayFindProse).
      cleanSlots.set(slot, (known = isPlainProse(text) && !(text.length <= REACH ? mayFindAt(slot, true) : (masker.mayFindProse ?? masker.mayFind)(text))));
    }
    return known;
  };
  // A pair is joined only when something may be found within reach of its boundary; a slot is in
  // up to two pairs, each end asked once (most are short: the end is the whole text). Ends that say
  // no are asked again joined: a secret's required text may run across them ("AK" + "IA…", "xo" +
  // "xb-…"), though the signs a value needs (a digit, an "@"…) are in the join only if in an end.
  const ends = new Map<number, boolean>();
  const mayFindAt = (slot: number, head: boolean): boolean => {
    const key = head ? slot : -1 - slot;
    let may = ends.get(key);
    if (may === undefined) {
      const text = slots[slot]!.text;
      // A long slot's end is part of it: clean prose has no part that may hold anything.
      may = text.length > REACH && clean(slot) ? false : masker.mayFind(head ? text.slice(0, REACH) : text.slice(-REACH));
      ends.set(key, may);
    }
    return may;
  };
  // A long slot is asked whether it is clean first (its ends and joins are read from that); a
  // clean one finds nothing (the quick test is what find asks first). Short ones are found as they
  // are (the masker remembers short texts it found clean).
  const own = slots.map((slot, index) => (slot.text === "" || (slot.text.length > REACH && clean(index)) ? NO_MATCHES : masker.find(slot.text)));
  // Each slot's edits and masked spans, made for the few slots that get one.
  const edits: (Edit[] | undefined)[] = [];
  const taken: ([number, number][] | undefined)[] = [];
  const edit = (slot: number, change: Edit) => {
    (edits[slot] ??= []).push(change);
    (taken[slot] ??= []).push([change.start, change.end]);
  };
  for (let index = 0; index < slots.length; index++) {
    const matches = own[index]!;
    for (let at = 0; at < matches.length; at++) edit(index, { start: matches[at]!.start, end: matches[at]!.end, replacement: masker.replace(matches[at]!, slots[index]!.location) });
  }
  // Findings across boundaries, the values first, then pairs of neighbours with a label or a key,
  // longest first within each: one that overlaps what is already masked (a slot's own finding, or
  // one chosen before) is a reading of the same text with other neighbours glued on, left out.
  const state: Crossing = { slots, own, masker, budget: { left: MAX_VARIANTS }, clean };
  // The parts of [from, to) of a slot no edit covers yet.
  const unmasked = (slot: number, from: number, to: number): [number, number][] => {
    const covered = [...(taken[slot] ?? [])].filter(([start, end]) => start < to && from < end).sort((a, b) => a[0] - b[0]);
    const parts: [number, number][] = [];
    let at = from;
    for (const [start, end] of covered) {
      if (start > at) parts.push([at, start]);
      at = Math.max(at, end);
    }
    if (at < to) parts.push([at, to]);
    return parts;
  };
  const overlaps = ([slot, start, end]: [number, number, number]) => taken[slot]?.some(([from, to]) => start < to && from < end) ?? false;
  const mayCross = ([left, right]: [number, number]) => {
    if (mayFindAt(left, false) || mayFindAt(right, true)) return true;
    const tail = slots[left]!.text.slice(-REACH);
    const head = slots[right]!.text.slice(0, REACH);
    // Two ends of clean prose joined may hold something only near the join.
    if (reach !== undefined && clean(left) && clean(right)) return masker.mayFind(tail.slice(Math.max(0, tail.length - reach)) + head.slice(0, reach));
    return masker.mayFind(tail + head);
  };
  // A pair of short texts found clean before (on an earlier request: keys, labels, model names) is
  // clean again: what is found across one boundary depends on the two texts and the rules' sets alone.
  const valued = crossFindings(reading.values, true, state);
  const remembered = masker.cleanPairs;
  const paired: Candidate[] = [];
  for (const pair of reading.pairs) {
    const left = slots[pair[0]]!.text;
    const right = slots[pair[1]]!.text;
    const kept = remembered !== undefined && left.length <= CLEAN_PAIR_LENGTH && right.length <= CLEAN_PAIR_LENGTH;
    if (kept && remembered.has(left, right)) continue;
    const found = mayCross(pair) ? crossFindings(pair, false, state) : [];
    if (found.length === 0) {
      if (kept) remembered.add(left, right);
    } else for (const candidate of found) paired.push(candidate);
  }
  const groups = [valued, paired];
  for (const [at, group] of groups.entries()) {
    const candidates = group.sort((a, b) => b.length - a.length || a.found.start - b.found.start);
    for (const { found, pieces, continues } of candidates) {
      if (pieces.some(overlaps)) {
        // A secret of the values running on past what is masked already (its first part a finding
        // of its own, and a line break or more after it): what is not masked yet of it is emptied.
        if (at === 0 && found.detector === "secrets") for (const [slot, from, to] of pieces) for (const [start, end] of unmasked(slot, from, to)) edit(slot, { start, end, replacement: "" });
        continue;
      }
      const replacement = continues ? "" : masker.replace(found, slots[pieces[0]![0]]!.location);
      pieces.forEach(([slot, from, to], at) => {
        edit(slot, { start: from, end: to, replacement: at === 0 ? replacement : "" });
      });
    }
  }
  let changed = false;
  slots.forEach((slot, index) => {
    const slotEdits = edits[index];
    if (slotEdits === undefined) return;
    if (!slot.write) throw new UnmaskableError(slot.location, "a value to mask is in text Palisade cannot rewrite");
    slot.write(slot.numeric ? slotEdits.reduce((text, edit) => maskedDigits(text, edit.start, edit.end, edit.replacement), slot.text) : applyEdits(slot.text, slotEdits));
    changed = true;
  });
  return changed;
}
