// Whether a whole reply's JSON text says to every JSON parser what JSON.parse read of it — the
// test agent/inspection/strict-json.ts's readsAsWritten makes (no duplicate key at any depth, no
// lone surrogate), done without a regex match object per key: the reply side runs it on every
// clean reply (its keys' match arrays were the largest allocation of masking one), and a test keeps
// the two answers equal (reads-as-written.test.ts).

const isRawJson = (JSON as unknown as { isRawJSON?: (value: unknown) => boolean }).isRawJSON ?? (() => false);
const surrogateEscape = /\\u[dD][89a-fA-F]/;

const QUOTE = 34;
const BACKSLASH = 92;
const isBlank = (code: number) => code === 32 || code === 9 || code === 10 || code === 13;

/**
 * The keys `text` writes: the colons whose blanks before them follow an unescaped quote (in valid
 * JSON nothing else does: a quote inside a string is escaped). The same count as strict-json.ts's
 * regex `"[ \t\n\r]*:` with an even run of backslashes before the quote, for any text: each match of
 * that regex ends at such a colon, and each such colon ends one (its quote is the first character
 * before its blanks, after the colon of the match before).
 */
export function writtenKeys(text: string): number {
  let count = 0;
  for (let colon = text.indexOf(":"); colon !== -1; colon = text.indexOf(":", colon + 1)) {
    let at = colon - 1;
    while (at >= 0 && isBlank(text.charCodeAt(at))) at--;
    if (at < 0 || text.charCodeAt(at) !== QUOTE) continue;
    let slashes = 0;
    for (let back = at - 1; back >= 0 && text.charCodeAt(back) === BACKSLASH; back--) slashes++;
    if (slashes % 2 === 0) count++;
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
