// Strict JSON for request bodies: what JSON.parse accepts (RFC 8259: no NaN, Infinity, comments or
// trailing data), minus what parsers disagree on — duplicate keys at any depth (JSON.parse keeps the
// last, other parsers the first: the text inspected would not be the text read) and lone surrogates
// written as \u escapes (upstreams reject them, replace them or keep them). Long numbers keep their
// source text (parseJsonBodyExact), so a re-serialised body sends them unchanged.
import { countWrittenKeys, heldKeyCount } from "../masking/written-keys.js";
import { parseJsonBodyExact } from "../masking/json-body.js";

export type StrictJson = { ok: true; value: unknown } | { ok: false; code: "invalid_json" | "duplicate_json_key" | "lone_surrogate" | "misread_json_key" | "prototype_json_key"; message: string };

// Keys written are counted from the text (written-keys.ts: a key ends with the quote that closes a
// string followed by blanks and a colon; quotes are read in turn, opening and closing).
const surrogateEscape = /\\u[dD][89a-fA-F]/;


/** What parsers could read differently in `text` (parsed as `value`): a duplicate key, a lone surrogate; undefined when nothing. */
function ambiguity(text: string, value: unknown): "duplicate_json_key" | "lone_surrogate" | undefined {
  const checkStrings = surrogateEscape.test(text);
  const written = countWrittenKeys(text);
  if (written === 0 && !checkStrings) return undefined;
  const held = heldKeyCount(value, checkStrings);
  if (held === -1) return "lone_surrogate";
  if (held !== written) return "duplicate_json_key";
  return undefined;
}

/**
 * Whether `value`, which JSON.parse made of `text`, says exactly what `text` says to any JSON parser:
 * every key written is held (no duplicate) and every string is well formed. Then `text` itself may
 * be forwarded in place of `value` re-serialised (formatting and escapes differ, the meaning does not).
 */
export function readsAsWritten(text: string, value: unknown): boolean {
  return ambiguity(text, value) === undefined;
}

/** `text` parsed strictly, or why it is refused. */
export function parseStrictJson(text: string): StrictJson {
  const { value, misread, prototypeKey } = parseJsonBodyExact(text);
  if (prototypeKey) return { ok: false, code: "prototype_json_key", message: "Request body has a JSON key named __proto__, which JavaScript readers take for an object's prototype" };
  if (misread) return { ok: false, code: "misread_json_key", message: "Request body has a JSON key written with an escape that this agent's JSON parser reads as another key (a V8 defect); write the key without escapes" };
  if (value === undefined) return { ok: false, code: "invalid_json", message: "Request body is not valid JSON" };
  const found = ambiguity(text, value);
  if (found === "lone_surrogate") return { ok: false, code: "lone_surrogate", message: "Request body has a lone surrogate (\\uD800-\\uDFFF) in a string" };
  if (found === "duplicate_json_key") return { ok: false, code: "duplicate_json_key", message: "Request body has a duplicate key in a JSON object" };
  return { ok: true, value };
}
