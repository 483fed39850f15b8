// Whether a whole reply's JSON text says to every JSON parser what JSON.parse read of it — the
// test agent/inspection/strict-json.ts's readsAsWritten makes (no duplicate key at any depth, no
// lone surrogate), with the keys the value holds taken from a walk masking already made of it
// (document-masker.ts) instead of a walk of its own. A test keeps the two answers equal
// (reads-as-written.test.ts).
import { countWrittenKeys, heldKeyCount } from "./written-keys.js";

const surrogateEscape = /\\u[dD][89a-fA-F]/;


/**
 * Whether `value`, which JSON.parse made of `text`, says exactly what `text` says to any JSON parser
 * (then `text` may go in its place). `held`: the keys `value` holds, when a walk of it has counted
 * them (as for-in lists them; not walked again unless a string must be checked).
 */
export function readsAsWritten(text: string, value: unknown, held?: number): boolean {
  const checkStrings = surrogateEscape.test(text);
  const written = countWrittenKeys(text);
  if (written === 0 && !checkStrings) return true;
  return (held === undefined || checkStrings ? heldKeyCount(value, checkStrings) : held) === written;
}
