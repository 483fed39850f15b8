// Whether a whole reply's JSON text says to every JSON parser what JSON.parse read of it — the
// test agent/inspection/strict-json.ts's readsAsWritten makes (no duplicate key at any depth, no
// lone surrogate), with the keys the value holds taken from a walk masking already made of it
// (document-masker.ts) instead of a walk of its own. A test keeps the two answers equal
// (reads-as-written.test.ts).

const isRawJson = (JSON as unknown as { isRawJSON?: (value: unknown) => boolean }).isRawJSON ?? (() => false);
const surrogateEscape = /\\u[dD][89a-fA-F]/;

const isBlank = (code: number) => code === 32 || code === 9 || code === 10 || code === 13;

/**
 * The keys `text` (valid JSON) writes, counted as strict-json.ts counts them: a key ends with the
 * quote that closes a string followed by blanks and a colon (the quote that opens one may be
 * followed by a colon too: a value `":)"`), so quotes are read in turn, opening and closing.
 */
function writtenKeys(text: string): number {
  let count = 0;
  let inString = false;
  for (let at = text.indexOf('"'); at !== -1; at = text.indexOf('"', at + 1)) {
    if (!inString) {
      inString = true;
      continue;
    }
    let slashes = 0;
    for (let before = at - 1; text.charCodeAt(before) === 92; before--) slashes++;
    if (slashes % 2 === 1) continue;
    inString = false;
    let next = at + 1;
    while (isBlank(text.charCodeAt(next))) next++;
    if (text.charCodeAt(next) === 58) count++;
  }
  return count;
}

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
  const written = writtenKeys(text);
  if (written === 0 && !checkStrings) return true;
  return (held === undefined || checkStrings ? parsedKeys(value, checkStrings) : held) === written;
}
