// Text that holds JSON documents: one document, or JSON lines (NDJSON / JSONL: batch files,
// fine-tuning sets, streaming bodies of generic APIs), each line a document. Every document is
// parsed strictly (strict-json.ts) and inspected like a body; what lies between them (line ends,
// blank lines, the padding around a document) is kept as written, and a document is re-serialised
// only when masking changed it.
import { jsonSlots, type JsonSlots } from "./json-slots.js";
import type { InspectionBudget } from "./text-slot.js";
import { parseStrictJson } from "./strict-json.js";

/** A document of the text, or text kept as written. */
export type JsonPiece = { json: unknown; source: string; changed?: boolean } | { text: string };

export type JsonText =
  | { ok: true; pieces: JsonPiece[] }
  | { ok: false; code: "duplicate_json_key" | "lone_surrogate" | "misread_json_key" | "prototype_json_key"; message: string };

const blank = /^[ \t\r]*$/;
const padding = /^([ \t\r]*)([\s\S]*?)([ \t\r]*)$/;

/**
 * The documents of `text`: the whole text as one document, else one per non-blank line; undefined
 * when it is neither (a line that is not JSON). Ambiguous JSON (a duplicate key, a lone surrogate)
 * is a failure whichever way it is read: readers disagree on it.
 */
export function parseJsonText(text: string): JsonText | undefined {
  const whole = parseStrictJson(text);
  if (whole.ok) return typeof whole.value === "object" && whole.value !== null ? { ok: true, pieces: [{ json: whole.value, source: text }] } : undefined;
  if (whole.code !== "invalid_json") return { ok: false, code: whole.code, message: whole.message };
  const pieces: JsonPiece[] = [];
  let documents = 0;
  for (const [index, line] of text.split("\n").entries()) {
    if (index > 0) pieces.push({ text: "\n" });
    if (blank.test(line)) {
      pieces.push({ text: line });
      continue;
    }
    const [, before, body, after] = padding.exec(line)!;
    const parsed = parseStrictJson(body!);
    if (!parsed.ok) return parsed.code === "invalid_json" ? undefined : { ok: false, code: parsed.code, message: `${parsed.message} (line ${index + 1})` };
    if (typeof parsed.value !== "object" || parsed.value === null) return undefined; // a bare word or number per line is not JSON lines
    pieces.push({ text: before! }, { json: parsed.value, source: body! }, { text: after! });
    documents++;
  }
  return documents > 0 ? { ok: true, pieces } : undefined;
}

/** The text again: documents that changed re-serialised, everything else as it was written. */
export function writeJsonText(pieces: readonly JsonPiece[]): string {
  return pieces.map((piece) => ("json" in piece ? (piece.changed ? JSON.stringify(piece.json) : piece.source) : piece.text)).join("");
}

/** The slots of every document of `pieces` (located `location[n]` when there are several), in order, counted against `budget`; commit() finishes their writes. */
export function documentSlots(pieces: readonly JsonPiece[], location: string, changed: () => void, budget?: InspectionBudget): JsonSlots {
  const documents = pieces.filter((piece): piece is Extract<JsonPiece, { json: unknown }> => "json" in piece);
  const each = documents.map((piece, index) => jsonSlots(piece as unknown as Record<string, unknown>, "json", documents.length === 1 ? location : `${location}[${index}]`, () => {
    piece.changed = true;
    changed();
  }, budget));
  return {
    slots: each.flatMap((document) => document.slots),
    binary: each.flatMap((document) => document.binary),
    commit: () => {
      for (const document of each) document.commit();
    },
  };
}
