// A piece of text in a request that a reader (a model, a tool, the upstream) reads: a JSON string
// or key, a number's digits, a query parameter, a path segment, a header value, a text part. Every
// one is inspected; the ones in the reading stream are also matched joined to their neighbours.

/** One inspected piece of text and how to replace it. */
export interface TextSlot {
  text: string;
  /** Where it is, for findings (`request.messages[0].content`, `request.header.x-note`). */
  location: string;
  /**
   * Part of the reading stream: text a provider reads as one with its neighbours (consecutive
   * content parts and messages). Matched joined to the previous and next reading slots too.
   */
  reading: boolean;
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
