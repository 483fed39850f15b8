// Masks everything inside a parsed JSON value that a provider handler has not claimed: identifiers,
// object keys and numbers each on their own; a string that is itself a JSON document as that
// document; every other string as a piece of loose text (joined with the pieces of the same path
// pattern, in this value and in the events before it). Edits go into the value's draft.
import type { Draft } from "./event-draft.js";
import { createDraft } from "./event-draft.js";
import { walkJson, type Claims } from "./json-walk.js";
import { createLooseStreams, type LooseStreams } from "./loose-streams.js";
import type { ReplyMasker } from "./mask-context.js";
import type { TwoTexts } from "./replacer.js";

/** What masking one value needs. */
export interface ValueContext {
  reply: ReplyMasker;
  loose: LooseStreams;
  /** Strings known to hold nothing to mask on their own (ids, keys repeated in every event). */
  clean: CleanCache;
  /** Told of the replaced spans of every loose string once final (logprobs are matched against them). */
  observe?(container: unknown, key: string | number, replaced: readonly (readonly [number, number])[]): void;
}

/** Short texts already scanned alone and found clean, so repeated ones cost a lookup. */
export interface CleanCache {
  mask(text: string, location: string): TwoTexts | undefined;
}

const CACHED_LENGTH = 80;
const CACHE_SIZE = 2048;

/** A cache over `reply`'s whole-text masking. Only clean results are kept (a placeholder to restore is never cached). */
export function createCleanCache(reply: ReplyMasker): CleanCache {
  const clean = new Set<string>();
  return {
    mask(text, location) {
      if (text === "" || clean.has(text)) return undefined;
      const masked = reply.mask(text, location);
      if (masked.client !== text || masked.record !== text) return masked;
      if (text.length <= CACHED_LENGTH && clean.size < CACHE_SIZE) clean.add(text);
      return undefined;
    },
  };
}

// Digits a detector may find in a number (cards, phone numbers, SSNs): fewer than six cannot be one.
const manyDigits = /\d{6}/;
const jsonOpening = /^\s*[[{]/;

function parseInner(text: string): unknown {
  if (!jsonOpening.test(text)) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON document inside a string, masked as a document of its own; undefined when unchanged. */
function maskInner(inner: unknown, location: string, context: ValueContext): TwoTexts | undefined {
  const loose = createLooseStreams(context.reply);
  const draft = createDraft();
  const holder = { inner };
  maskValue(holder, "inner", "", location, "json", { reply: context.reply, clean: context.clean, loose }, draft);
  loose.finish();
  return draft.changed ? draft.render(() => holder.inner) : undefined;
}

/**
 * Masks `container[key]` (everything in it but what `claims` holds). `kind` names the event type for
 * loose keys (pieces join only within one kind); `pattern` and `location` name the member itself.
 */
export function maskValue(container: Record<string, unknown> | unknown[], key: string | number, pattern: string, location: string, kind: string, context: ValueContext, draft: Draft, claims?: Claims): void {
  const { clean, loose } = context;
  walkJson(container, key, pattern, location, {
    string(slot, value, identity) {
      const whole = (masked: TwoTexts | undefined) => {
        if (masked) draft.set(slot.container, slot.key, masked);
        context.observe?.(slot.container, slot.key, masked ? [[0, value.length]] : []);
      };
      if (identity) return whole(clean.mask(value, slot.location));
      const inner = parseInner(value);
      if (inner !== undefined) return whole(maskInner(inner, slot.location, context));
      const deliver = draft.later(slot.container, slot.key);
      const observe = context.observe;
      const deliverAndObserve: typeof deliver = (texts, replaced) => {
        deliver(texts, replaced);
        observe?.(slot.container, slot.key, replaced);
      };
      loose.piece(`${kind}|${slot.pattern}`, value, slot.location, observe ? deliverAndObserve : deliver);
    },
    member(object, name, value) {
      // Logprobs a handler did not match to their text cannot be shown safely (they spell it).
      if (name !== "logprobs" || value === null || (Array.isArray(value) && value.length === 0)) return false;
      draft.replace(object, name, Array.isArray(value) ? [] : null);
      return true;
    },
    key(object, name, at) {
      const masked = clean.mask(name, at);
      if (masked) draft.rename(object, name, masked);
    },
    number(slot, source) {
      if (!manyDigits.test(source)) return;
      const masked = clean.mask(source, slot.location);
      if (masked) draft.set(slot.container, slot.key, masked);
    },
  }, claims);
}
