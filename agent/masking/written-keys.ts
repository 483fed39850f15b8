// The keys a JSON text writes, read from the text itself: counted (a duplicate key shows as more
// keys written than the parsed value holds: strict-json.ts, reads-as-written.ts) and checked against
// what JSON.parse read.
//
// V8's JSON.parse can read an object key written with an escape as ANOTHER key: when a map
// transition from an earlier parse expects a key whose characters are the escaped key's raw source
// prefix, it takes that key (Node 24's V8 13.6 and Node 26's 14.6; nodejs/node#63785, crbug
// 521080746, unfixed). After one request with the key `\u00` (written `"\\u00"`) in some position,
// `{"messages":[],"\u0062omb":1}` parses with the key `\u00`, not `bomb`: a denied word in a key, or
// a key policies read (`model`), would be inspected as something else than what the upstream reads,
// and the state is the process's, so one caller can prepare it for another's requests.
//
// So a parse whose text writes an escaped key is checked: the keys the text writes, each decoded on
// its own (a lone string literal, no object, no transition), must be the keys the value holds. Text
// with no backslash, or none inside a key, is not looked at further (most bodies and events).
const isRawJson = (JSON as unknown as { isRawJSON?: (value: unknown) => boolean }).isRawJSON ?? (() => false);

const isBlank = (code: number) => code === 32 || code === 9 || code === 10 || code === 13;

/**
 * Calls `each(open, close)` for every key `text` (valid JSON) writes: the positions of the quotes
 * around it. A key ends with the quote that closes a string followed by blanks and a colon; quotes
 * are read in turn, opening and closing (inside a string, one after an odd run of backslashes is escaped).
 * Stops early when `each` returns true; returns whether it did.
 */
function eachKey(text: string, each: (open: number, close: number) => boolean): boolean {
  let inString = false;
  let open = 0;
  for (let at = text.indexOf('"'); at !== -1; at = text.indexOf('"', at + 1)) {
    if (!inString) {
      inString = true;
      open = at;
      continue;
    }
    let slashes = 0;
    for (let before = at - 1; text.charCodeAt(before) === 92; before--) slashes++;
    if (slashes % 2 === 1) continue;
    inString = false;
    let next = at + 1;
    while (isBlank(text.charCodeAt(next))) next++;
    if (text.charCodeAt(next) === 58 && each(open, at)) return true;
  }
  return false;
}

/** How many keys `text` (valid JSON) writes, at any depth. */
export function countWrittenKeys(text: string): number {
  let count = 0;
  eachKey(text, () => {
    count++;
    return false;
  });
  return count;
}

/** How many keys the parsed `value` holds at any depth (as for-in lists them); -1 when `checkStrings` and a string (key or value) is not well formed. */
export function heldKeyCount(value: unknown, checkStrings: boolean): number {
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

function escapedKey(text: string, open: number, close: number): boolean {
  for (let at = open + 1; at < close; at++) if (text.charCodeAt(at) === 92) return true;
  return false;
}

/** The keys `value` holds at any depth, as for-in lists them (numbers kept as source text are leaves). */
function heldKeys(value: unknown): string[] {
  const keys: string[] = [];
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== "object" || next === null || isRawJson(next)) continue;
    if (Array.isArray(next)) {
      for (const element of next) pending.push(element);
      continue;
    }
    for (const key in next) {
      keys.push(key);
      pending.push((next as Record<string, unknown>)[key]);
    }
  }
  return keys;
}

/**
 * Whether `value`, which JSON.parse made of `text`, holds the keys `text` writes (true at once when
 * no key is written with an escape). With as many keys held as written, the two lists must be the
 * same; with fewer (a duplicate key, which callers judge on their own) every key must be on both.
 */
export function keysReadAsWritten(text: string, value: unknown): boolean {
  if (typeof value !== "object" || value === null || !text.includes("\\")) return true;
  if (!eachKey(text, (open, close) => escapedKey(text, open, close))) return true;
  const written: string[] = [];
  eachKey(text, (open, close) => {
    written.push(escapedKey(text, open, close) ? (JSON.parse(text.slice(open, close + 1)) as string) : text.slice(open + 1, close));
    return false;
  });
  const held = heldKeys(value);
  if (held.length === written.length) {
    written.sort();
    held.sort();
    return written.every((key, index) => key === held[index]);
  }
  const writtenSet = new Set(written);
  const heldSet = new Set(held);
  return held.every((key) => writtenSet.has(key)) && written.every((key) => heldSet.has(key));
}
