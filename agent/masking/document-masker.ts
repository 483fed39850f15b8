// Masks whole JSON replies: one document, or several (NDJSON lines, read as one reply whose fields of
// one path join across lines). Every string, key and number is inspected whatever its name (see
// value-masker.ts): strings of one path pattern are matched joined (content parts, output parts,
// text blocks), identifiers alone. Logprobs are kept only where they spell unchanged text, their
// alternatives read as text (logprobs.ts). A changed document is re-serialised from what was parsed and inspected.
import { createDraft, type Draft } from "./event-draft.js";
import { createLooseStreams } from "./loose-streams.js";
import { keptEntries } from "./logprobs.js";
import type { ReplyMasker } from "./mask-context.js";
import type { TwoTexts } from "./replacer.js";
import { createClaims, type Claims } from "./json-walk.js";
import { type CleanCache, createCleanCache, createValueMasker } from "./value-masker.js";
import { readEmbeddingVectors } from "./embedding-vectors.js";
import { objectAt } from "./walk-helpers.js";

type Json = Record<string, unknown>;
type Spans = readonly (readonly [number, number])[];

/** Logprob entries and the text slot they spell. */
interface Pairing {
  owner: Json;
  key: string;
  entries: unknown;
  text: { container: Json; key: string };
}

const LOCATION = "response.logprobs";
const isEmptyList = (value: unknown) => value === undefined || value === null || (Array.isArray(value) && value.length === 0);

// Where a document keeps logprobs beside their text: a chat choice (`logprobs.content` and
// `.refusal` spelling `message.content` and `.refusal`: the choice gets a logprobs object holding
// those two lists only, a list without its text is emptied), a Responses part (`logprobs` spelling
// `text`), a Responses delta event (`logprobs` spelling `delta`). Any other `logprobs` is removed
// (value-masker.ts).
// The walk also counts the keys the documents hold (as for-in lists them; a number kept as source
// text is no object to count), which tells a clean reply's duplicate keys (reads-as-written.ts)
// without a walk of its own.
function pairings(root: unknown, claims: Claims, draft: Draft, held: KeyCount): Pairing[] {
  const found: Pairing[] = [];
  const pending: unknown[] = [root];
  let keys = 0;
  for (let value = pending.pop(); value !== undefined; value = pending.pop()) {
    if (typeof value !== "object" || value === null || isRawJson(value)) continue;
    if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
      continue;
    }
    const object = value as Json;
    const logprobs = object.logprobs;
    if (logprobs !== undefined && logprobs !== null) {
      const message = objectAt(object.message);
      const lists = objectAt(logprobs);
      if (message && lists) {
        claims.claim(object, "logprobs");
        if (Object.keys(lists).some((key) => !isEmptyList(lists[key]))) {
          const fresh: Json = { content: null, refusal: null };
          draft.replace(object, "logprobs", fresh);
          for (const field of ["content", "refusal"]) {
            if (typeof message[field] === "string" && !isEmptyList(lists[field])) found.push({ owner: fresh, key: field, entries: lists[field], text: { container: message, key: field } });
          }
        }
      } else if (Array.isArray(logprobs)) {
        const field = typeof object.text === "string" ? "text" : typeof object.delta === "string" ? "delta" : undefined;
        if (field) {
          claims.claim(object, "logprobs");
          found.push({ owner: object, key: "logprobs", entries: logprobs, text: { container: object, key: field } });
        }
      }
    }
    for (const key in object) {
      keys++;
      const member = object[key];
      if (typeof member === "object" && member !== null) pending.push(member);
    }
  }
  held.keys = keys;
  return found;
}

/** How many keys the documents held as parsed (every object's, at any depth), counted by the logprobs pairing's walk. */
export interface KeyCount {
  keys: number;
}

const isRawJson = (JSON as unknown as { isRawJSON?: (value: unknown) => boolean }).isRawJSON ?? (() => false);

/**
 * Each of `documents` masked, as JSON for the caller and the record (re-serialised), or undefined
 * when masking changed nothing (the caller decides whether the documents' own text may go as it is).
 * `held` (with logprobs read) gets the number of keys the documents held before masking; `clean`:
 * the exchange's cache of texts found clean, when it has one (it keeps nothing of a reply but them);
 * `vectors`: the request asked for base64 embeddings, so the one document's vectors are read as numbers (embedding-vectors.ts).
 */
export function maskJsonDocuments(documents: unknown[], reply: ReplyMasker, withLogprobs = true, held: KeyCount = { keys: -1 }, clean: CleanCache = createCleanCache(reply), vectors = false): TwoTexts[] | undefined {
  const loose = createLooseStreams(reply, true);
  const claims = createClaims();
  if (vectors && documents.length === 1) readEmbeddingVectors(documents[0], reply, claims);
  const draft = createDraft();
  let replaced: Map<unknown, Map<string | number, Spans>> | undefined; // made when logprobs are paired
  const paired = withLogprobs ? pairings(documents, claims, draft, held) : [];
  const observe =
    paired.length === 0
      ? undefined
      : (container: unknown, key: string | number, spans: Spans) => {
          replaced ??= new Map();
          let byKey = replaced.get(container);
          if (!byKey) replaced.set(container, (byKey = new Map()));
          byKey.set(key, spans);
        };
  const masker = createValueMasker(reply, loose, clean, observe);
  // Each document at the same pattern, so a field of one path joins across NDJSON lines.
  for (let index = 0; index < documents.length; index++) masker.mask(documents, index, "", documents.length > 1 ? `response[${index}]` : "response", "body", draft, claims);
  loose.finish();
  // Every list is rebuilt from what it may show, text unchanged or not (logprobs.ts).
  for (const pair of paired) {
    const spans = replaced?.get(pair.text.container)?.get(pair.text.key) ?? [];
    draft.replace(pair.owner, pair.key, keptEntries(reply, LOCATION, pair.entries, pair.text.container[pair.text.key] as string, spans));
  }
  if (!draft.changed) return undefined;
  draft.apply("record");
  const records = documents.map((document) => JSON.stringify(document));
  if (!draft.twoSided) return records.map((text) => ({ client: text, record: text }));
  draft.apply("client");
  return documents.map((document, index) => ({ client: JSON.stringify(document), record: records[index] }));
}
