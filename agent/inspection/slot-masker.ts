// Masks the text slots of a request: every slot on its own, and the reading stream joined, so a
// value split over two content parts or two messages (`jane.doe@exa` + `mple.com`) is found and
// every fragment masked (the first carries the marker, the others are emptied). A finding of the
// joined text that only glues neighbouring text to a complete finding of one slot ("send" +
// "jane@example.com") is left to that slot's own finding.
import type { PromptMasker } from "../masking/mask-context.js";
import type { Match } from "../masking/match-scanner.js";
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

/** Findings that cross a boundary between reading slots, as per-slot edits; `own` are each slot's findings. */
function crossEdits(slots: readonly TextSlot[], reading: readonly number[], own: readonly Match[][], masker: PromptMasker, edits: Edit[][]): void {
  const starts: number[] = [];
  let joined = "";
  for (const index of reading) {
    starts.push(joined.length);
    joined += slots[index]!.text;
  }
  const boundaries = starts.slice(1).filter((at, position) => at > starts[position]!);
  if (boundaries.length === 0) return;
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
  for (const [from, to] of windowsAround(boundaries, joined.length)) {
    for (const found of masker.find(joined.slice(from, to))) {
      const start = from + found.start;
      const end = from + found.end;
      const first = slotAt(start);
      const last = slotAt(end - 1);
      if (first === last) continue;
      // Left to a slot's own finding when, within that slot, the joined finding is exactly that
      // finding: it only glues neighbouring text to a complete value ("send" + "jane@example.com").
      let explained = false;
      for (let position = first; position <= last && !explained; position++) {
        const offset = starts[position]!;
        const slotEnd = offset + slots[reading[position]!]!.text.length;
        const inside = [Math.max(start, offset), Math.min(end, slotEnd)];
        explained = own[reading[position]!]!.some((match) => offset + match.start === inside[0] && offset + match.end === inside[1]);
      }
      if (explained) continue;
      const firstSlot = reading[first]!;
      const replacement = masker.replace({ ...found, start, end, value: joined.slice(start, end) }, slots[firstSlot]!.location);
      for (let position = first; position <= last; position++) {
        const slot = reading[position]!;
        const offset = starts[position]!;
        const length = slots[slot]!.text.length;
        edits[slot]!.push({ start: Math.max(0, start - offset), end: Math.min(length, end - offset), replacement: position === first ? replacement : "" });
      }
    }
  }
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
 * UnmaskableError when a finding lies in a slot that cannot be rewritten.
 */
export function maskSlots(slots: readonly TextSlot[], masker: PromptMasker): boolean {
  const own = slots.map((slot) => (slot.text === "" ? [] : masker.find(slot.text)));
  const edits: Edit[][] = slots.map(() => []);
  slots.forEach((slot, index) => {
    for (const match of own[index]!) edits[index]!.push({ start: match.start, end: match.end, replacement: masker.replace(match, slot.location) });
  });
  const reading = slots.flatMap((slot, index) => (slot.reading && slot.text !== "" ? [index] : []));
  if (reading.length > 1) crossEdits(slots, reading, own, masker, edits);
  let changed = false;
  slots.forEach((slot, index) => {
    const slotEdits = edits[index]!;
    if (slotEdits.length === 0) return;
    if (!slot.write) throw new UnmaskableError(slot.location, "a value to mask is in text Palisade cannot rewrite");
    slot.write(applyEdits(slot.text, slotEdits));
    changed = true;
  });
  return changed;
}
