// A string of the request read as what it says and as what it decodes to (encoded-text.ts): the
// slot of its own text and the slot of its decoded text, both inspected. Both write into the same
// field, so a request with a value found in both readings of one string is refused rather than
// masked in one and sent with the other.
import { readEncoded } from "./encoded-text.js";
import { type BinaryPart, type TextSlot, UnmaskableError } from "./text-slot.js";

// A slot whose location is worked out when read. A class's getter, not an object literal's: V8
// keeps a literal's accessors in the old generation, so each request's getter closure (and all it
// reaches) outlived every scavenge until the next full GC (docs/performance.md, "Issue 13: the
// tail at one connection").
class LazySlot implements TextSlot {
  role?: TextSlot["role"];
  numeric?: boolean;
  group?: number;
  write?: (text: string) => void;

  constructor(
    public text: string,
    private readonly locate: () => string,
    fields: Pick<TextSlot, "role" | "numeric" | "group" | "write">,
  ) {
    if (fields.role !== undefined) this.role = fields.role;
    if (fields.numeric !== undefined) this.numeric = fields.numeric;
    if (fields.group !== undefined) this.group = fields.group;
    if (fields.write !== undefined) this.write = fields.write;
  }

  get location(): string {
    return this.locate();
  }
}

/** The slots reading `raw` (its text `value`) and, when it is base64 of something readable, its decoded text; binary payloads are named in `binary` (absent: not named). */
export function decodedSlots(raw: TextSlot, value: string, location: () => string, write: ((text: string) => void) | undefined, binary?: BinaryPart[]): TextSlot[] {
  const encoded = readEncoded(value);
  if (!encoded) return [raw];
  if (encoded.binary && binary) binary.push({ location: location(), kind: encoded.binary });
  const reading = encoded.text;
  if (!reading) return binary && encoded.binary ? [] : [raw];
  let written = "";
  const once = (which: string, apply: (text: string) => void) => (text: string) => {
    if (written && written !== which) throw new UnmaskableError(location(), "a value is found both in a string and in what it decodes to");
    written = which;
    apply(text);
  };
  const decoded = new LazySlot(reading.text, () => `${location()}#base64`, { write: write && once("decoded", (masked) => write(reading.encode(masked))) });
  // A binary payload's own characters are no text; anything else is read as written too, joined
  // with its neighbours as before (an id or a key split over two strings is still one).
  if (binary && encoded.binary) return [decoded];
  const own = new LazySlot(raw.text, () => raw.location, {
    role: raw.role,
    numeric: raw.numeric,
    group: raw.group,
    write: raw.write && once("own", (masked) => raw.write!(masked)),
  });
  return [own, decoded];
}
