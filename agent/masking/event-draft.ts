// The changes masking makes to one parsed JSON value (a streamed event's data, a whole body, JSON
// inside a string), kept two-sided (what the caller gets, what the record keeps) and applied when the
// value is rendered: replaced values, renamed keys, and the count of pieces whose final text is
// still to come (loose text held until the detectors settle it). Rendering always re-serialises: what
// is forwarded is what was parsed and inspected (a duplicate key's first copy, extra whitespace or
// anything JSON.parse did not keep never reaches the caller). One is made per streamed event: it
// allocates nothing until something changes.
import type { Deliver } from "./loose-streams.js";
import type { TwoTexts } from "./replacer.js";

type Container = Record<string | number, unknown>;

export interface Draft {
  /** `container[key]` becomes `texts` (a string on each side). */
  set(container: unknown, key: string | number, texts: TwoTexts): void;
  /** `container[key]` becomes `value` on both sides. */
  replace(container: unknown, key: string | number, value: unknown): void;
  /** `container`'s key `key` becomes `texts`. */
  rename(container: Record<string, unknown>, key: string, texts: TwoTexts): void;
  /** A receiver for a piece of `container[key]` whose final text comes later; the draft is not ready until it has. */
  later(container: unknown, key: string | number): Deliver;
  /** No piece is outstanding. */
  readonly ready: boolean;
  /** Something differs from the parsed value. */
  readonly changed: boolean;
  /** How many edits and later pieces were asked for so far (a pass that leaves it unchanged changed nothing). */
  readonly writes: number;
  /** Whether the caller's and the record's side differ anywhere. */
  readonly twoSided: boolean;
  /** A value written holds a number kept as source text (JSON.parse of the render reads it otherwise). */
  raw: boolean;
  /** Renders the value `root()` reads (holding every container edited) as JSON for the caller and for the record; leaves it holding the caller's side. */
  render(root: () => unknown): TwoTexts;
  /** Writes one side's edits into the value (for callers that render parts of it themselves). */
  apply(side: keyof TwoTexts): void;
}

interface Edit {
  container: Container;
  key: string | number;
  texts: { client: unknown; record: unknown };
}

interface Rename {
  container: Record<string, unknown>;
  original: string;
  current: string;
  texts: TwoTexts;
}

function renameKey(container: Record<string, unknown>, from: string, to: string): void {
  if (from === to) return;
  // Rebuilt so the key keeps its place among the others.
  const entries = Object.entries(container);
  for (const [key] of entries) delete container[key];
  for (const [key, value] of entries) container[key === from ? to : key] = value;
}

class EventDraft implements Draft {
  private edits: Edit[] | undefined;
  private renames: Rename[] | undefined;
  private outstanding = 0;
  writes = 0;
  twoSided = false;
  raw = false;

  set(container: unknown, key: string | number, texts: TwoTexts): void {
    this.writes++;
    if (typeof container !== "object" || container === null) return;
    (this.edits ??= []).push({ container: container as Container, key, texts });
    if (texts.client !== texts.record) this.twoSided = true;
  }

  replace(container: unknown, key: string | number, value: unknown): void {
    this.writes++;
    if (typeof container !== "object" || container === null) return;
    (this.edits ??= []).push({ container: container as Container, key, texts: { client: value, record: value } });
  }

  rename(container: Record<string, unknown>, key: string, texts: TwoTexts): void {
    this.writes++;
    (this.renames ??= []).push({ container, original: key, current: key, texts });
    if (texts.client !== texts.record) this.twoSided = true;
  }

  later(container: unknown, key: string | number): Deliver {
    this.writes++;
    this.outstanding++;
    return (texts) => {
      this.outstanding--;
      if (texts) this.set(container, key, texts);
    };
  }

  get ready(): boolean {
    return this.outstanding === 0;
  }

  get changed(): boolean {
    return this.edits !== undefined || this.renames !== undefined;
  }

  apply(side: keyof TwoTexts): void {
    const renames = this.renames ?? [];
    for (const rename of renames) {
      renameKey(rename.container, rename.current, rename.original);
      rename.current = rename.original;
    }
    for (const edit of this.edits ?? []) edit.container[edit.key] = edit.texts[side];
    for (const rename of renames) {
      renameKey(rename.container, rename.original, rename.texts[side]);
      rename.current = rename.texts[side];
    }
  }

  render(root: () => unknown): TwoTexts {
    if (!this.changed) {
      const text = JSON.stringify(root());
      return { client: text, record: text };
    }
    if (!this.twoSided) {
      this.apply("client");
      const text = JSON.stringify(root());
      return { client: text, record: text };
    }
    this.apply("record");
    const record = JSON.stringify(root());
    this.apply("client");
    return { client: JSON.stringify(root()), record };
  }
}

/** An empty draft. */
export function createDraft(): Draft {
  return new EventDraft();
}
