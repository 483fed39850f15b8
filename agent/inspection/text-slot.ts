// A piece of text in a request that a reader (a model, a tool, the upstream) reads: a JSON string
// or key, a number's digits, a query parameter, a path segment, a header value, a text part. Every
// one is inspected; the ones in the document (JSON strings and keys, text bodies, form values,
// multipart text) are also matched joined to their neighbours (joined-reading.ts).

/**
 * Where a slot sits in the document's reading, for joined reading: a value a provider reads as
 * text (content parts, messages, any string value), a label (the value of a field that names or
 * tags rather than says: `type`, `role`, `id`, `model`, `status`, `*_id`), or a key.
 */
export type SlotRole = "value" | "label" | "key";

/** One inspected piece of text and how to replace it. */
export interface TextSlot {
  text: string;
  /** Where it is, for findings (`request.messages[0].content`, `request.header.x-note`). */
  location: string;
  /** Its place in the document's reading (absent: read on its own only — path, query, headers, names). */
  role?: SlotRole;
  /**
   * The text is a JSON number (or a key that is only digits, as `logit_bias` keys are): masked as
   * digits of the same length, so the document keeps its type (masked-number.ts).
   */
  numeric?: boolean;
  /** The body's top-level member holding it (absent: not in a JSON body's top level). */
  group?: number;
  /** Replaces the text in the request; absent when it cannot be rewritten (a finding there refuses the request). */
  write?: (text: string) => void;
}

/** A part of the request that is not text (an image, audio, a file) and so cannot be inspected. */
export interface BinaryPart {
  location: string;
  /** What it is, for the refusal and the record ("data URL image/png", "multipart file audio/mpeg"). */
  kind: string;
}

/** Thrown when a finding lies in text the agent cannot rewrite, or masking would merge two keys. */
export class UnmaskableError extends Error {
  constructor(readonly location: string, why: string) {
    super(`${why} at ${location}`);
    this.name = "UnmaskableError";
  }
}

/**
 * Most values (strings, keys, numbers, arrays and objects) one request body may hold for
 * inspection: reading each costs CPU on the event loop every caller shares, so a body of a million
 * tiny strings (4 MB) is refused rather than read for tens of seconds (docs/security.md).
 */
export const MAX_INSPECTED_VALUES = 100_000;

/** A counter of the values a request's inspection has visited, shared by every document it holds. */
export interface InspectionBudget {
  left: number;
}

/** Thrown when a request holds more values than the agent inspects (refused 413, never forwarded). */
export class InspectionLimitError extends Error {
  constructor() {
    super(`the request holds more than ${MAX_INSPECTED_VALUES} JSON values`);
    this.name = "InspectionLimitError";
  }
}

/** Counts one visited value against `budget`; throws InspectionLimitError past the limit. */
export function spend(budget: InspectionBudget): void {
  if (--budget.left < 0) throw new InspectionLimitError();
}
