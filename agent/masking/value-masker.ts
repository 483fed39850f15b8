// Masks everything inside a parsed JSON value that a provider handler has not claimed: identifiers,
// object keys and numbers each on their own (numbers as digits, so they stay numbers); a string that is itself a JSON document as that
// document; base64 that decodes to text as that text (re-encoded when masked; a binary payload is
// not read: agent/inspection/base64-text.ts); every other string as a piece of loose text (joined with the pieces of the same path
// pattern, in this value and in the events before it). Edits go into the value's draft. One masker
// serves every event of a reply (no closures per event: this runs for every streamed event).
import { base64Bytes, readBase64 } from "../inspection/base64-text.js";
import { checkBase64Text } from "./base64-watch.js";
import { binaryPart } from "./binary-parts.js";
import type { Draft } from "./event-draft.js";
import { createDraft } from "./event-draft.js";
import { containerLocationOf, locationOf, patternOf, walkJson, type Claims, type JsonVisitor, type Place } from "./json-walk.js";
import { jsonNumber, parseJsonChecked } from "./json-body.js";
import { createLooseStreams, type Deliver, type LooseStreams } from "./loose-streams.js";
import type { ReplyMasker } from "./mask-context.js";
import type { Match } from "./match-scanner.js";
import { applyMatches, type TwoTexts } from "./replacer.js";

type Spans = readonly (readonly [number, number])[];
type Observe = (container: unknown, key: string | number, replaced: Spans) => void;

/** Short texts already scanned alone and found clean, so repeated ones cost a lookup. */
export interface CleanCache {
  /** `text` masked alone (undefined: unchanged); its location, `locate(at)`, is spelled only when something is found; `restore` false: no placeholder restored. */
  mask<T>(text: string, at: T, locate: (at: T) => string, restore?: boolean): TwoTexts | undefined;
  /** True when mask() would leave `text` unchanged: it is known clean, or scanned and found clean (then known). */
  clean(text: string): boolean;
  /** A number's source text with its findings masked as digits (undefined: unchanged). */
  number<T>(source: string, at: T, locate: (at: T) => string): string | undefined;
  /** Whether a key's name may tell a detector what its value is (a quick test says yes: "aws_secret_access_key"). */
  names(key: string): boolean;
}

const CACHED_LENGTH = 80;
const IDENTIFIER_TAIL = 64; // of the last identifier, read before the next one
const CACHE_SIZE = 4096;

// Short texts each detector set found nothing in (ids, model names, keys: the same in every event of
// every reply), kept while the set lives (one snapshot). A text is clean for a reply when it is clean
// for every response rule's set. Texts with a `<` are never taken from here: in another exchange
// they may hold a placeholder to restore.
const cleanBySet = new WeakMap<object, Set<string>>();

// Keys whose name a detector may read as what the value after it is (its quick test says yes to
// the name alone), per detector set, kept while the set lives; most keys ("id", "content") say no.
const namingBySet = new WeakMap<object, Map<string, boolean>>();
type QuickTested = { mayFind(text: string): boolean };

const responseLocation = () => "response";

/** A cache over `reply`'s whole-text masking. Only clean results are kept. */
export function createCleanCache(reply: ReplyMasker): CleanCache {
  const sets = reply.detectorSets.map((detectors) => {
    let clean = cleanBySet.get(detectors);
    if (!clean) cleanBySet.set(detectors, (clean = new Set()));
    return clean;
  });
  const known = (text: string) => sets.length > 0 && !text.includes("<") && sets.every((clean) => clean.has(text));
  const isClean = (text: string, location: () => string): boolean => {
    if (text === "" || known(text)) return true;
    if (reply.scanner.scan(text).matches.length > 0) return false;
    // Base64 in it spelling text with a value cannot be masked in place: refused (throws).
    checkBase64Text(reply, text, location);
    if (text.length <= CACHED_LENGTH) for (const clean of sets) if (clean.size < CACHE_SIZE) clean.add(text);
    return true;
  };
  const naming = reply.detectorSets.map((detectors) => {
    let names = namingBySet.get(detectors);
    if (!names) namingBySet.set(detectors, (names = new Map()));
    return { names, detectors: detectors as QuickTested };
  });
  return {
    names(key) {
      for (const { names, detectors } of naming) {
        let may = names.get(key);
        if (may === undefined) {
          may = detectors.mayFind(key);
          if (key.length <= CACHED_LENGTH && names.size < CACHE_SIZE) names.set(key, may);
        }
        if (may) return true;
      }
      return false;
    },
    mask(text, at, locate, restore) {
      // A text known clean first, without a closure for its location (most keys and identifiers of
      // a reply: isClean's own first answer, before it would read the location).
      if (text === "" || known(text)) return undefined;
      return isClean(text, () => locate(at)) ? undefined : reply.mask(text, locate(at), restore);
    },
    clean: (text) => isClean(text, responseLocation),
    number(source, at, locate) {
      if (known(source)) return undefined;
      const masked = reply.maskNumber(source, locate(at));
      if (masked === undefined && source.length <= CACHED_LENGTH) for (const clean of sets) if (clean.size < CACHE_SIZE) clean.add(source);
      return masked;
    },
  };
}

/**
 * The first value found in `before + value` — the boundary read as nothing and as a space, as a
 * reader may show two texts — that runs across the boundary and is no value of either side alone
 * extended (`jane@example.com` + `Write` reads as `…comWrite`: the address was whole before it),
 * clipped to `value` (the part before has gone out); undefined when there is none.
 */
function acrossBoundary(reply: ReplyMasker, before: string, value: string): Match | undefined {
  let left: Match[] | undefined;
  let right: Match[] | undefined;
  for (const gap of ["", " "]) {
    const start = before.length + gap.length; // where `value` starts in the joined text
    for (const match of reply.scanner.scan(before + gap + value).matches) {
      if (match.entry || match.start >= before.length || match.end <= start) continue;
      left ??= reply.scanner.scan(before).matches;
      right ??= reply.scanner.scan(value).matches;
      const end = match.end - start;
      if (left.some((own) => own.end > match.start) || right.some((own) => own.start < end)) continue;
      return { ...match, start: 0, end, value: value.slice(0, end) };
    }
  }
  return undefined;
}

// The encrypted `data` of an Anthropic `redacted_thinking` block (or any block named redacted).
const redactedData = (place: Place) => place.key === "data" && /redacted/.test(String((place.container as Record<string, unknown>).type ?? ""));

// Digits a detector may find in a number (cards, phone numbers, SSNs): fewer than six cannot be one.
const manyDigits = /\d{6}/;

function parseInner(text: string): unknown {
  const first = text.charCodeAt(0);
  if (first !== 123 && first !== 91 && !/^\s*[[{]/.test(text)) return undefined;
  const value = parseJsonChecked(text);
  return typeof value === "object" && value !== null ? value : undefined;
}

/** Masks values of one reply (a stream's events, or a whole document) into their drafts. */
export interface ValueMasker {
  /**
   * Masks `container[key]` (everything in it but what `claims` holds) into `draft`. `kind` names the
   * event type for loose keys (pieces join only within one kind); `pattern` and `location` name the member.
   */
  mask(container: Record<string, unknown> | unknown[], key: string | number, pattern: string, location: string, kind: string, draft: Draft, claims?: Claims): void;
  /**
   * For a string member `key` of an event's root, in an event of `kind`: true when mask() would
   * leave it as it is — clean alone and with the same field of the event before (no value across
   * the two), no `<` (a placeholder may be restored) — and then it counts as read (the field's last
   * value, the clean cache), as mask() would have it; false (nothing read, nothing changed) otherwise.
   */
  quietIdentifier(kind: string, key: string, value: string): boolean;
}

class Masker implements ValueMasker, JsonVisitor {
  private draft!: Draft;
  private kind = "";
  /** The last identifier of each field (kind, name, depth), for values across two of them (crossing). */
  private readonly identifiers = new Map<string, string>();
  /** The last loose string of the value being walked, with its pattern (neighbour). */
  private previous: { pattern: string; value: string } | undefined;
  /** The object whose keys were read last, and those of its keys that may name their value (named). */
  private namingObject: unknown;
  private naming: Set<string> | undefined;

  constructor(
    private readonly reply: ReplyMasker,
    private readonly loose: LooseStreams,
    private readonly clean: CleanCache,
    /** Told of the replaced spans of every string once final (logprobs are matched against them). */
    private readonly observe?: Observe,
  ) {}

  mask(container: Record<string, unknown> | unknown[], key: string | number, pattern: string, location: string, kind: string, draft: Draft, claims?: Claims): void {
    this.draft = draft;
    this.kind = kind;
    this.previous = undefined;
    this.namingObject = undefined;
    this.naming = undefined;
    walkJson(container, key, pattern, location, this, claims);
  }

  string(place: Place, value: string, identity: boolean): void {
    const { container, key } = place;
    if (container === this.namingObject && this.naming?.has(key as string)) {
      const named = this.named(key as string, value, place);
      if (named) return this.whole(container, key, value, named);
    }
    if (identity) return this.whole(container, key, value, this.clean.mask(value, place, locationOf) ?? this.crossing(place, value));
    const inner = parseInner(value);
    if (inner !== undefined) return this.whole(container, key, value, this.maskInner(inner, locationOf(place)));
    const encoded = readBase64(value);
    if (encoded && "text" in encoded) {
      const masked = this.clean.mask(encoded.text, place, (at) => `${locationOf(at)}#base64`);
      return this.whole(container, key, value, masked && { client: encoded.encode(masked.client), record: encoded.encode(masked.record) });
    }
    // Not read: passes only if every rule allows binary parts — but a redacted thinking block's
    // `data` is the provider's encrypted token, not media.
    if (encoded && !redactedData(place)) binaryPart(this.reply, encoded.binary, locationOf(place), base64Bytes(value));
    const pattern = `${this.kind}|${patternOf(place)}`;
    const across = encoded ? undefined : this.neighbour(pattern, value, place);
    const later = this.draft.later(container, key);
    // A value running on from the string before (another path) is masked from this one's start, over what the loose stream did.
    const deliver: Deliver = across
      ? (texts, replaced) => {
          // The loose stream's replacements lie after the crossing value (else it masked the start itself): its text up to `end` is the original's.
          if (texts && replaced.some(([start]) => start < across.end)) return later(texts, replaced);
          const rest = texts ?? { client: value, record: value };
          later({ client: across.head.client + rest.client.slice(across.end), record: across.head.record + rest.record.slice(across.end) }, [[0, across.end], ...replaced]);
        }
      : later;
    const observe = this.observe;
    const delivered: Deliver = observe
      ? (texts, replaced) => {
          deliver(texts, replaced);
          observe(container, key, across && !(texts && replaced.some(([start]) => start < across.end)) ? [[0, across.end], ...replaced] : replaced);
        }
      : deliver;
    this.loose.piece(pattern, value, locationOf(place), delivered, encoded !== undefined);
  }

  quietIdentifier(kind: string, key: string, value: string): boolean {
    if (value.includes("<") || !this.clean.clean(value)) return false;
    // As crossing() names the field of a root member (walkJson's step of the root is depth 1).
    const field = `${kind}|${key}|1`;
    const last = this.identifiers.get(field);
    if (last !== undefined && last !== value && acrossBoundary(this.reply, last.slice(-IDENTIFIER_TAIL), value) !== undefined) return false;
    this.identifiers.set(field, value);
    return true;
  }

  /**
   * Strings of one event or document are read in document order, each after the one before it
   * when their paths differ (`content` then `refusal`, two unknown fields side by side: a reader
   * showing both reads them as one text; strings of one path are joined by the loose streams): a
   * value running across is masked from this one's start (the one before, on its own no value,
   * keeps its text). Undefined when nothing runs across.
   */
  private neighbour(pattern: string, value: string, place: Place): { head: TwoTexts; end: number } | undefined {
    const last = this.previous;
    this.previous = { pattern, value };
    if (!last || last.pattern === pattern || value === "" || last.value === "") return undefined;
    const found = acrossBoundary(this.reply, last.value.slice(-IDENTIFIER_TAIL), value);
    return found && { head: applyMatches(value, [found], 0, found.end, locationOf(place), this.reply.replacer), end: found.end };
  }

  key(place: Place): void {
    const name = place.key as string;
    const masked = this.clean.mask(name, place, containerLocationOf);
    if (masked) this.draft.rename(place.container as Record<string, unknown>, name, masked);
    if (!this.clean.names(name)) return;
    if (this.namingObject !== place.container) {
      this.namingObject = place.container;
      this.naming = new Set();
    }
    this.naming!.add(name);
  }

  /**
   * A value read after its key's name, as a reader shows the member (`name: value`): what a detector
   * finds in the value only so (a secret after its name, "aws_secret_access_key" then "wJalr…") is
   * masked with the rest of what is found in it; undefined when the name changes nothing.
   */
  private named(name: string, value: string, place: Place): TwoTexts | undefined {
    const head = `${name}: `;
    const matches: Match[] = [];
    for (const match of this.reply.scanner.scan(head + value).matches) {
      if (match.start >= head.length && !match.entry) matches.push({ ...match, start: match.start - head.length, end: match.end - head.length });
    }
    if (matches.length === 0) return undefined;
    const alone = this.reply.scanner.scan(value).matches;
    if (matches.every((match) => alone.some((own) => own.start === match.start && own.end === match.end))) return undefined;
    return applyMatches(value, matches, 0, value.length, locationOf(place), this.reply.replacer);
  }

  number(place: Place, source: string): void {
    if (!manyDigits.test(source)) return;
    // Masked as digits of the same length: a number stays a number (`created`, usage, ids, seeds).
    const masked = this.clean.number(source, place, locationOf);
    if (masked === undefined) return;
    const value = jsonNumber(masked);
    this.draft.replace(place.container, place.key, value);
    if (typeof value !== "number") this.draft.raw = true;
  }

  member(object: Record<string, unknown>, name: string, value: unknown): boolean {
    // Logprobs a handler did not match to their text cannot be shown safely (they spell it).
    if (name !== "logprobs" || value === null || (Array.isArray(value) && value.length === 0)) return false;
    this.draft.replace(object, name, Array.isArray(value) ? [] : null);
    return true;
  }

  /**
   * An identifier that differs from the last one of its field (name and depth) in this reply: a
   * value across the two (`"model":"zoe.quill@"`, then `"model":"example.org"` in the next chunk,
   * which a reader joining by path reads as one) is masked from this one's start — the last one,
   * on its own no value, has gone out. Repeated identifiers (a stream's id and model in every
   * chunk) cost a lookup.
   */
  private crossing(place: Place, value: string): TwoTexts | undefined {
    const field = `${this.kind}|${String(place.key)}|${place.step?.depth ?? -1}`;
    const last = this.identifiers.get(field);
    this.identifiers.set(field, value);
    if (last === undefined || last === value) return undefined;
    const found = acrossBoundary(this.reply, last.slice(-IDENTIFIER_TAIL), value);
    return found && applyMatches(value, [found], 0, value.length, locationOf(place), this.reply.replacer);
  }

  private whole(container: unknown, key: string | number, value: string, masked: TwoTexts | undefined): void {
    if (masked) this.draft.set(container, key, masked);
    this.observe?.(container, key, masked ? [[0, value.length]] : []);
  }

  /** A JSON document inside a string, masked as a document of its own; undefined when unchanged. */
  private maskInner(inner: unknown, location: string): TwoTexts | undefined {
    const loose = createLooseStreams(this.reply, true);
    const draft = createDraft();
    const holder = { inner };
    new Masker(this.reply, loose, this.clean).mask(holder, "inner", "", location, "json", draft);
    loose.finish();
    return draft.changed ? draft.render(() => holder.inner) : undefined;
  }
}

/** A value masker over `loose` (the reply's loose text) and `clean` (its cache). */
export function createValueMasker(reply: ReplyMasker, loose: LooseStreams, clean: CleanCache, observe?: Observe): ValueMasker {
  return new Masker(reply, loose, clean, observe);
}
