// Whether a whole reply's JSON text says to every JSON parser what JSON.parse read of it — the
// test agent/inspection/strict-json.ts's readsAsWritten makes (no duplicate key at any depth, no
// lone surrogate), with the keys the value holds taken from a walk masking already made of it
// (document-masker.ts) instead of a walk of its own. A test keeps the two answers equal
// (reads-as-written.test.ts).
import { countWrittenKeys } from "./written-keys.js";

const isRawJson = (JSON as unknown as { isRawJSON?: (value: unknown) => boolean }).isRawJSON ?? (() => false);
const surrogateEscape = /\\u[dD][89a-fA-F]/;

// Keys held by the parsed value; -1 when a string (key or value) is not well formed and `checkStrings`.
function parsedKeys(value: unknown, checkStrings: boolean): number {
  let keys = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === "string") {
      if (checkStrings && !next.isWellFormed()) return -1;
      continue;
    }
    if (typeof next !== "object" || next === null || isRawJson(next)) continue;
    if (Array.isArray(next)) {
      for (const element of next) pending.push(element);
      continue;
    }
    for (const key in next) {
      keys++;
      if (checkStrings && !key.isWellFormed()) return -1;
      pending.push((next as Record<string, unknown>)[key]);
    }
  }
  return keys;
}

/**
 * Whether `value`, which JSON.parse made of `text`, says exactly what `text` says to any JSON parser
 * (then `text` may go in its place). `held`: the keys `value` holds, when a walk of it has counted
 * them (as for-in lists them; not walked again unless a string must be checked).
 */
export function readsAsWritten(text: string, value: unknown, held?: number): boolean {
  const checkStrings = surrogateEscape.test(text);
  const written = countWrittenKeys(text);
  if (written === 0 && !checkStrings) return true;
  return (held === undefined || checkStrings ? parsedKeys(value, checkStrings) : held) === written;
}
