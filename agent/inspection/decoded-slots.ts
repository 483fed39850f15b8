// A string of the request read as what it says and as what it decodes to (encoded-text.ts): the
// slot of its own text and the slot of its decoded text, both inspected. Both write into the same
// field, so a request with a value found in both readings of one string is refused rather than
// masked in one and sent with the other.
import { embeddedRuns, hexText, MIN_RUN, MIN_SHORT_RUN } from "./embedded-base64.js";
import { readEncoded } from "./encoded-text.js";
import { type BinaryPart, type TextSlot, UnmaskableError } from "./text-slot.js";

// A reading of another slot's string, located from it (its location, or that with a suffix) when
// read. A class's getter, not an object literal's: V8 keeps a literal's accessors in the old
// generation, so each request's getter closure (and all it reaches) outlived every scavenge until
// the next full GC (docs/performance.md, "Issue 13: the tail at one connection"); and no closure
// per slot to locate it.
class LazySlot implements TextSlot {
  role?: TextSlot["role"];
  numeric?: boolean;
  group?: number;
  write?: (text: string) => void;

  constructor(
    public text: string,
    private readonly raw: TextSlot,
    private readonly suffix: string,
    fields: Pick<TextSlot, "role" | "numeric" | "group" | "write">,
  ) {
    if (fields.role !== undefined) this.role = fields.role;
    if (fields.numeric !== undefined) this.numeric = fields.numeric;
    if (fields.group !== undefined) this.group = fields.group;
    if (fields.write !== undefined) this.write = fields.write;
  }

  get location(): string {
    return this.suffix === "" ? this.raw.location : `${this.raw.location}${this.suffix}`;
  }
}

/**
 * Adds to `slots` the slot `raw` and, when its text is base64 of something readable, the slot of its
 * decoded text; binary payloads are named in `binary` (absent: not named). The decoded slot is
 * located and written through `raw` (its location, its write).
 */
export function decodedSlots(raw: TextSlot, slots: TextSlot[], binary?: BinaryPart[]): void {
  const encoded = readEncoded(raw.text);
  if (!encoded) {
    // A text no longer than a run holds none (no array made for the keys, labels and header values that are most slots).
    // A JSON number's digits are no base64 anyone decodes: its short runs are not read.
    if (raw.text.length < MIN_SHORT_RUN || (raw.numeric === true && raw.text.length <= MIN_RUN)) {
      slots.push(raw);
      return;
    }
    const runs = embeddedRuns(raw.text);
    if (runs.length === 0) slots.push(raw);
    else runSlots(raw, runs, slots);
    return;
  }
  if (encoded.binary && binary) binary.push({ location: raw.location, kind: encoded.binary });
  // A string of hex digits that is text as hex is read as that (as base64 its bytes are no text).
  const reading = encoded.text?.lossy ? (hexText(raw.text) ?? encoded.text) : encoded.text;
  if (!reading) {
    // A payload's own characters are no text, unless they hold a space: base64 is written with line
    // breaks, if any; a long message of plain words without punctuation reads as base64 once its
    // blanks are out (a binary part all the same), and its words are read as the text they are.
    if (!(binary && encoded.binary) || raw.text.includes(" ")) slots.push(raw);
    return;
  }
  // A string that cannot be rewritten (a header's name: the OpenAI SDK's `x-stainless-*-version`
  // names read as bytes) has no writers to keep to one reading: it is read as itself and as what
  // it decodes to, neither writable.
  if (raw.write === undefined) {
    const decoded = new LazySlot(reading.text, raw, "#base64", {});
    if (binary && encoded.binary) slots.push(decoded);
    else slots.push(raw, decoded);
    return;
  }
  const write = (text: string) => raw.write!(text);
  const once = writeOnce(raw, "a value is found both in a string and in what it decodes to");
  const decoded = new LazySlot(reading.text, raw, "#base64", { write: once("decoded", (masked) => write(reading.encode(masked))) });
  // A binary payload's own characters are no text; anything else is read as written too, joined
  // with its neighbours as before (an id or a key split over two strings is still one).
  if (binary && encoded.binary) {
    slots.push(decoded);
    return;
  }
  const own = new LazySlot(raw.text, raw, "", {
    role: raw.role,
    numeric: raw.numeric,
    group: raw.group,
    write: once("own", (masked) => write(masked)),
  });
  slots.push(own, decoded);
}

/**
 * Writers of one string's readings of which only one may write (`which` names it): a value found
 * in two readings (the string as written and what it decodes to) refuses the request with `message`.
 */
function writeOnce(raw: TextSlot, message: string): (which: string, apply: (text: string) => void) => (text: string) => void {
  let written = "";
  return (which, apply) => (text) => {
    if (written && written !== which) throw new UnmaskableError(raw.location, message);
    written = which;
    apply(text);
  };
}

/**
 * `raw` read as written and each base64 run inside it (embedded-base64.ts) as the text it decodes
 * to: a run's slot writes the string with the run re-encoded; a value found in two of these
 * readings of one string refuses the request, as above.
 */
function runSlots(raw: TextSlot, runs: ReturnType<typeof embeddedRuns>, slots: TextSlot[]): void {
  const write = raw.write === undefined ? undefined : (text: string) => raw.write!(text);
  const once = writeOnce(raw, "a value is found both in a string and in base64 inside it");
  const original = raw.text;
  slots.push(new LazySlot(original, raw, "", { role: raw.role, numeric: raw.numeric, group: raw.group, write: write && once("own", (masked) => write(masked)) }));
  runs.forEach((run, index) => {
    const apply = (masked: string) => write!(original.slice(0, run.start) + run.text.encode(masked) + original.slice(run.end));
    slots.push(new LazySlot(run.text.text, raw, "#base64", { write: write && once(`run ${index}`, apply) }));
  });
}
