// What replaces a masked value: a redaction marker (`[EMAIL]`) or a pseudonym placeholder
// (`<EMAIL_1>`), both named after the detector that found it.

const labels: Record<string, string> = {
  email: "EMAIL",
  phone: "PHONE",
  "payment-card": "PAYMENT_CARD",
  iban: "IBAN",
  "us-ssn": "US_SSN",
  "ip-address": "IP_ADDRESS",
  secrets: "SECRET",
  pattern: "PATTERN",
  word: "WORD",
};

/** The upper-case label of a detector (`payment-card` → `PAYMENT_CARD`); letters and `_` only. */
export function markerLabel(detector: string): string {
  return labels[detector] ?? (detector.toUpperCase().replace(/[^A-Z]+/g, "_").replace(/^_+|_+$/g, "") || "VALUE");
}

/** The redaction marker for a detector's finding: `[EMAIL]`. */
export function redactMarker(detector: string): string {
  return `[${markerLabel(detector)}]`;
}

/** The pseudonym placeholder: `<EMAIL_1>`. */
export function placeholder(label: string, number: number): string {
  return `<${label}_${number}>`;
}

/** Finds placeholder-shaped tokens (global; reset lastIndex before use). */
export const PLACEHOLDER_PATTERN = /<[A-Z][A-Z_]*_[1-9][0-9]*>/g;

/** Longest placeholder a stream holds back while it may still be completing. */
export const PLACEHOLDER_HOLD = 40;

// A tail that may still grow into a placeholder: "<", "<EM", "<EMAIL_", "<EMAIL_1".
const placeholderPrefix = /<(?:[A-Z][A-Z_]*(?:_[0-9]*)?)?$/;

/** Index from which `text` must be held back because it may end in the start of a placeholder; text.length when none. */
export function placeholderHold(text: string): number {
  const from = Math.max(0, text.length - PLACEHOLDER_HOLD);
  const at = text.lastIndexOf("<");
  if (at < from) return text.length;
  return placeholderPrefix.test(text.slice(at)) ? at : text.length;
}

/** The most of the run after a placeholder read before it counts as a URL (restore-guard.ts). */
export const AFTER = 256;

/** Whether the run after a placeholder (`after`: the text after it) has not ended yet: more text may still come into it. */
export function runOpen(after: string): boolean {
  return after.length < AFTER && !/\s/.test(after);
}
