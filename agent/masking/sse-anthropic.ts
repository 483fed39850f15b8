// SSE masking for Anthropic Messages: a content block's `text_delta` text, `thinking_delta`
// thinking and `input_json_delta` partial JSON (tool input, as JSON text) are the API's appended
// deltas: each is a text stream (starting with the text a `content_block_start` carries); a delta
// event carries what its stream releases now, and `content_block_stop` is preceded by one more
// `content_block_delta` with what the block still held (at `message_stop` or the end, every
// block's). Readers join consecutive text blocks (and thinking blocks): a block's text stream goes on
// into the next block of its kind when that one starts right after it (a `content_block_stop` still
// holding text waits for the next event to see), so a value split over two blocks is masked whole,
// its marker in the first; a chain broken by any other event continues as the tail of the last
// block (a value reaching across is masked from the new block's start on). Every other field of
// every event (citations, signatures, server tool results, message_start's message, unknown delta
// or event types) is left to the generic pass.
import type { TwoTexts } from "./replacer.js";
import { createStreamSet, isEmpty, synthesize, type Deferred, type Outgoing, type SseHandlerFactory, type Synthesized } from "./sse-handler.js";
import { createTextStream, type TextStream } from "./text-stream.js";
import { objectAt } from "./walk-helpers.js";
import { checkIndex, ownEntry } from "./provider-index.js";

type Json = Record<string, unknown>;

// Delta type → the field it carries, and whether that is JSON text.
const deltas: Record<string, { field: string; json?: boolean; location: string }> = {
  text_delta: { field: "text", location: "text" },
  thinking_delta: { field: "thinking", location: "thinking" },
  input_json_delta: { field: "partial_json", json: true, location: "input" },
};
// A block that opens with text of a delta type.
const startTypes: Record<string, string> = { text: "text_delta", thinking: "thinking_delta" };
// The delta types of those blocks (chained).
const startKinds: Record<string, true> = { text_delta: true, thinking_delta: true };
// How much of a block's end a later delta for it is read against (a value reaching back is masked from the delta's start).
const BLOCK_TAIL = 256;
const KNOWN_EVENTS = new Set(["message_start", "message_delta", "message_stop", "content_block_start", "content_block_delta", "content_block_stop", "ping", "error"]);

/** Consecutive blocks of one text kind, masked as one text. */
interface Chain {
  stream: TextStream;
  /** The block being written, or undefined between a stop and the next start. */
  current: number | undefined;
  /** A stopped block whose last text waits for the next event (its stop is deferred behind it). */
  waiting?: { block: number; split: boolean; done: boolean; tail: TwoTexts };
}

const deltaEvent = (type: string, index: number, texts: TwoTexts): Synthesized | undefined => {
  if (isEmpty(texts)) return undefined;
  const delta: Json = { type, [deltas[type].field]: "" };
  return synthesize("content_block_delta", { type: "content_block_delta", index, delta }, (draft) => draft.set(delta, deltas[type].field, texts));
};

export const anthropicSse: SseHandlerFactory = (reply) => {
  const streams = createStreamSet(reply); // tool input JSON, and text of blocks outside a chain
  const chains = new Map<string, Chain>(); // text kind (delta type) → chain
  const tails = new Map<string, string>(); // text kind → open tail of its last chain
  const blockTails = new Map<string, string>(); // `${block}.${kind}` → the end of that block's text, once its chain moved on
  const deltaTypes = new Map<string, string>(); // stream key → delta type (streams outside chains)
  const location = (block: number, type: string) => `response.stream.content[${block}].${deltas[type].location}`;

  const other = (block: number, deltaType: string) => {
    const key = `${block}.${deltaType}`;
    deltaTypes.set(key, deltaType);
    // Text for a block whose chain has ended goes on from that block's end (readers append it there).
    return deltas[deltaType].json ? streams.json(key, location(block, deltaType)) : streams.text(key, location(block, deltaType), blockTails.get(key));
  };

  // Ends a chain: what it held goes to the waiting block (its deferred delta) and to the current one.
  const breakChain = (type: string): Outgoing[] => {
    const chain = chains.get(type);
    if (!chain) return [];
    chains.delete(type);
    const rest = chain.stream.flush();
    tails.set(type, chain.stream.tail);
    const waiting = chain.waiting;
    const last = chain.current ?? waiting?.block;
    if (last !== undefined) blockTails.set(`${last}.${type}`, chain.stream.tail);
    if (waiting && !waiting.done) {
      waiting.done = true;
      if (!waiting.split) {
        waiting.tail = rest;
        return [];
      }
      waiting.tail = chain.stream.takeEarlier();
    }
    const made = chain.current === undefined ? undefined : deltaEvent(type, chain.current, rest);
    return made ? [made] : [];
  };

  // After a push into a chain that went on past a stopped block: that block's text may be settled now.
  const settleWaiting = (chain: Chain) => {
    const waiting = chain.waiting;
    if (!waiting || waiting.done || !waiting.split || !chain.stream.earlierSettled) return;
    waiting.done = true;
    waiting.tail = chain.stream.takeEarlier();
  };

  const stop = (type: string, chain: Chain, block: number): Outgoing[] => {
    if (chain.waiting && !chain.waiting.done) return [...breakChain(type)]; // two stops waiting: end the chain here
    chain.current = undefined;
    const waiting = { block, split: false, done: false, tail: { client: "", record: "" } };
    chain.waiting = waiting;
    const deferred: Deferred = { ready: () => waiting.done, render: () => deltaEvent(type, block, waiting.tail) };
    return [deferred];
  };

  // Blocks outside chains: one content_block_delta per stream of `block` (or of every block) still holding text.
  const flushOthers = (block?: number): Synthesized[] => {
    const made: Synthesized[] = [];
    for (const key of streams.open()) {
      const index = Number(key.split(".")[0]);
      if (block !== undefined && index !== block) continue;
      const stream = streams.get(key) as TextStream;
      const type = deltaTypes.get(key) as string;
      const event = deltaEvent(type, index, stream.flush());
      if (event) made.push(event);
    }
    return made;
  };

  // A stopped block outside chains (tool input) whose streams still held text waits for the next
  // event: a delta for that block goes on joined (readers append it); anything else releases it.
  let stopped: { block: number; resolve(flush: boolean): void } | undefined;
  const resolveStopped = (continuing: (block: number) => boolean) => {
    if (!stopped) return;
    const { block, resolve } = stopped;
    stopped = undefined;
    resolve(!continuing(block));
  };
  const stopOthers = (block: number): Outgoing[] => {
    const keys = streams.open().filter((key) => Number(key.split(".")[0]) === block && streams.get(key)?.holding === true);
    if (keys.length === 0) return flushOthers(block);
    const made = new Map<string, Synthesized | undefined>();
    let settled = false;
    stopped = {
      block,
      resolve(flush) {
        if (flush) for (const key of keys) made.set(key, deltaEvent(deltaTypes.get(key) as string, block, (streams.get(key) as TextStream).flush()));
        settled = true;
      },
    };
    return keys.map((key): Deferred => ({ ready: () => settled, render: () => made.get(key) }));
  };

  // Blocks started (or written to without a start), so a delta starts a chain only for a block never seen.
  const begun = new Set<number>();

  /** The chain of `kind` going on into `block`, which starts now (what ends first goes into `before`). */
  const startChain = (kind: string, block: number, before: Outgoing[]): Chain => {
    let chain = chains.get(kind);
    if (chain && chain.current === undefined && chain.waiting && !chain.waiting.done) {
      blockTails.set(`${chain.waiting.block}.${kind}`, chain.stream.original.slice(-BLOCK_TAIL));
      chain.stream.split();
      chain.waiting.split = true;
      chain.current = block;
    } else {
      if (chain) before.push(...breakChain(kind));
      chain = { stream: createTextStream(reply, location(block, kind), tails.get(kind)), current: block };
      chains.set(kind, chain);
    }
    return chain;
  };

  // Chains whose block stopped end at any event but a ping or the start of their next block.
  const breakWaiting = (except?: string): Outgoing[] =>
    [...chains].filter(([kind, chain]) => kind !== except && chain.current === undefined).flatMap(([kind]) => breakChain(kind));

  return {
    event({ data, draft, claims }) {
      const object = objectAt(data);
      const type = object?.type;
      resolveStopped((block) => type === "content_block_delta" && (typeof object?.index === "number" ? object.index : 0) === block);
      if (!object || typeof type !== "string" || !KNOWN_EVENTS.has(type)) {
        const ended = breakWaiting();
        return ended.length > 0 ? ended : undefined;
      }
      checkIndex(object.index, "index");
      const block = typeof object.index === "number" ? object.index : 0;
      // A delta for the block a chain stopped at, right after its stop: readers append it to that
      // block, so the chain goes on in it (the stop event carried none of its held text).
      const deltaKind = type === "content_block_delta" ? String(objectAt(object.delta)?.type) : "";
      const stopped = chains.get(deltaKind);
      const resume = stopped?.current === undefined && stopped?.waiting?.block === block && !stopped.waiting.done && !stopped.waiting.split ? stopped : undefined;
      if (resume?.waiting) {
        resume.waiting.done = true;
        resume.current = block;
      }
      const before: Outgoing[] = type === "ping" || type === "content_block_start" ? [] : breakWaiting();
      if (type === "content_block_delta") {
        const delta = objectAt(object.delta);
        const deltaType = String(delta?.type);
        const spec = delta && ownEntry(deltas, deltaType);
        const piece = spec && delta[spec.field];
        if (!delta || !spec || typeof piece !== "string") return before;
        let chain = chains.get(deltaType);
        // Text for a block that never started (no content_block_start: a crafted stream) starts it
        // here, as a reader appending every text delta reads it: joined to the block before.
        if (chain?.current !== block && ownEntry(startKinds, deltaType) && !begun.has(block)) chain = startChain(deltaType, block, before);
        begun.add(block);
        if (chain && chain.current === block) {
          draft.set(delta, spec.field, chain.stream.push(piece));
          settleWaiting(chain);
        } else draft.set(delta, spec.field, other(block, deltaType).push(piece));
        claims.claim(delta, spec.field);
        return before;
      }
      if (type === "content_block_start") {
        begun.add(block);
        const content = objectAt(object.content_block);
        const kind = content && ownEntry(startTypes, String(content.type));
        before.push(...breakWaiting(kind)); // a block of another kind ends the chains waiting for theirs
        if (!content || !kind) return before;
        const chain = startChain(kind, block, before);
        const field = deltas[kind].field;
        if (typeof content[field] === "string") {
          draft.set(content, field, chain.stream.push(content[field] as string));
          claims.claim(content, field);
          settleWaiting(chain);
        }
        return before;
      }
      if (type === "content_block_stop") {
        for (const [kind, chain] of chains) if (chain.current === block) return [...before, ...stop(kind, chain, block)];
        return [...before, ...stopOthers(block)];
      }
      if (type === "message_stop" || type === "error") return [...before, ...[...chains.keys()].flatMap(breakChain), ...flushOthers()];
      return before;
    },
    end() {
      resolveStopped(() => false);
      return [...[...chains.keys()].flatMap(breakChain), ...flushOthers()];
    },
  };
};
