// Builds the record of one exchange while it happens, and hands it to the buffer when it ends.
// Everything here is synchronous and bounded (bodies are capped, streams parsed incrementally) so
// recording never holds back a byte on its way to the caller: a piece of the response is only
// queued when it is written, and read for the record after the write has left the process (see
// responseChunk). What the bodies hold follows the
// record mode the policies chose (protection()): masked — the request as forwarded and the response
// as the masker's record output (placeholders, never restored values); raw — as the caller sent
// and got them; none — no bodies (usage, findings and metadata only).
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  type Exchange, ExchangeSchema, IdentitySchema, MaskFindingSchema, RecordedBodies, UsageSchema, Verdict,
} from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { CallerIdentity } from "../../core/identity/verifier.js";
import { zeroMessage } from "../../core/protobuf/zero-message.js";
import { createMaskContext, type PromptMasker } from "../masking/mask-context.js";
import type { MaskSession } from "../masking/mask-session.js";
import type { MaskRule, RecordChoice } from "../../core/policy/protection-rules.js";
import type { ProviderSpec, RequestFacts, UsageCounts } from "../providers/index.js";
import type { BufferSlot } from "../stream/exchange-buffer.js";
import { type ChunkCapture, createChunkCapture } from "./chunk-capture.js";
import type { ParsedEvents } from "../sse/parsed-events.js";
import { readStream, readWhole, type ResponseReading, type SharedDocument } from "./response-reading.js";
import { cutText } from "./text-capture.js";
import { forwardedUsage, type TokenEstimate } from "./usage-estimate.js";

/** How an exchange ended. */
export interface Outcome {
  status: number;
  verdict: Verdict;
  reason?: string;
  error?: string;
}

/** The record of one exchange in progress. */
export interface ExchangeRecorder {
  readonly id: string;
  connection(name: string): void;
  identity(identity: CallerIdentity): void;
  /** The policy that decided (allowed, denied or limited) the exchange. */
  policy(name: string): void;
  /** The review that held the exchange: recorded as its review_id; a forward it allowed is REVIEWED. */
  review(id: string): void;
  /** `text`, when given, is `body` read as UTF-8 (the canonical body's text): not decoded again. */
  request(body: Uint8Array, facts: RequestFacts, text?: string): void;
  /** The record mode and masking the matched policies set (after request()); without it, bodies are kept raw. */
  protection(init: Protection): void;
  /**
   * The mask rules of every mask policy of the connection (agent/policy/record-masks.ts): unless the
   * record mode is raw, the text the record quotes from the caller — path and query, model, reason,
   * error, the agent's own refusal — is masked with them, and a record that ends before the
   * policies chose a mode keeps no request body.
   */
  guard(rules: readonly MaskRule[]): void;
  /** The agent's own answer (a refusal in the provider's format) as the response: recorded like a whole body, masked by the guard. */
  refusal(body: Uint8Array, provider: ProviderSpec): void;
  /** The response begins: decides whether its body is read as a stream of events or as a whole. */
  responseStart(provider: ProviderSpec, contentType: string): void;
  /**
   * A piece of the response body as sent to the caller, and (when masking) as the record keeps it;
   * `parsed`: the JSON of its events as the masker parsed them (not parsed again here). Called
   * after the piece was written: it is queued with the time (its bytes must not change
   * afterwards) and read for the record in a later turn of the event loop (setImmediate, after
   * node:http's tick that sends the write), or by finish, whichever comes first.
   */
  responseChunk(client: Uint8Array, record?: Uint8Array, parsed?: ParsedEvents): void;
  /**
   * A whole response body read and masked before it was sent (instead of responseChunk): as the
   * caller got it and as the record keeps it; `parsed`, when given, is both of them as text and
   * JSON.parse's value of it (neither decoded nor parsed again here).
   */
  responseBody(client: Uint8Array, record: Uint8Array, parsed?: SharedDocument): void;
  /** The first response byte went to the caller (the first call counts). */
  firstByte(): void;
  /**
   * The request goes upstream, estimated at `estimate`: should the provider's usage not be
   * known whole when the exchange ends, the record carries the estimate (usage-estimate.ts).
   */
  forwarded(estimate: TokenEstimate): void;
  /** After forwarded(): the upstream was never reached (no connection was made), so nothing was billed and nothing is estimated. */
  notDelivered(): void;
  /** Completes the record and commits it to the buffer; later calls do nothing. */
  finish(outcome: Outcome): void;
}

/** What the policies decided about the record of one exchange. */
export interface Protection {
  record: RecordChoice;
  /** The matched mask policies' rules (their names are recorded). */
  masks: readonly MaskRule[];
  /** The exchange's mask session, whose findings are recorded; absent when nothing is masked. */
  session?: MaskSession;
  /** The request body as forwarded (masked), kept when the record mode is masked. */
  forwarded?: Uint8Array;
  /** The path and query as forwarded (masked): recorded instead of the caller's unless the record mode is raw. */
  forwardedPath?: string;
}

const freshExchange = zeroMessage(ExchangeSchema);

const recordedBodies: Record<RecordChoice, RecordedBodies> = {
  masked: RecordedBodies.MASKED,
  raw: RecordedBodies.RAW,
  none: RecordedBodies.NONE,
};

/** Starts recording an exchange; `finish` commits it to `slot`. */
export function startExchangeRecorder(init: {
  id: string;
  method: string;
  path: string;
  slot: BufferSlot;
  recordLimit: number;
  now?: () => number;
}): ExchangeRecorder {
  const now = init.now ?? Date.now;
  const started = now();
  // create(ExchangeSchema, { id, method, path, startedAt })'s value, from a literal (zero-message.ts).
  const exchange = freshExchange();
  exchange.id = init.id;
  exchange.method = init.method;
  exchange.path = init.path;
  exchange.startedAt = timestampFromMs(started);
  let reading: ResponseReading | undefined;
  // Streamed responses only: a whole body is replayed as the body itself.
  let writes: ChunkCapture | undefined;
  let firstByteAt: number | undefined;
  let done = false;
  let mode: RecordChoice | undefined;
  let masking: MaskSession | undefined;
  let guardRules: readonly MaskRule[] = [];
  let ownAnswer = false;
  let sent: TokenEstimate | undefined; // set once the request went upstream
  let requestBytes: Uint8Array | undefined; // the bytes exchange.requestBody was read from
  // Pieces written but not yet read for the record, in order (parallel lists: no object per piece).
  const queuedBytes: Uint8Array[] = [];
  const queuedParsed: (ParsedEvents["client"] | undefined)[] = [];
  const queuedEvents: ParsedEvents["clientEvents"][] = [];
  const queuedAt: number[] = [];
  let reader: NodeJS.Immediate | undefined;
  const readQueued = () => {
    reader = undefined;
    if (queuedBytes.length === 0) return; // nothing written since (most calls): no array truncated
    for (let index = 0; index < queuedBytes.length; index++) {
      const kept = queuedBytes[index]!;
      if (mode !== "none") writes?.push(kept, queuedAt[index]);
      try {
        reading?.chunk(kept, queuedParsed[index], queuedEvents[index]);
      } catch {
        // Recording must never break the response: give up on this body, flagged as cut.
        reading = { chunk: () => {}, whole: () => {}, result: () => ({ text: "", truncated: true, streamed: false }) };
      }
    }
    queuedBytes.length = 0;
    queuedParsed.length = 0;
    queuedEvents.length = 0;
    queuedAt.length = 0;
  };

  return {
    id: init.id,
    connection(name) {
      exchange.connection = name;
    },
    policy(name) {
      exchange.policy = name;
    },
    review(id) {
      exchange.reviewId = id;
    },
    identity(identity) {
      const { subject, email, groups, issuer } = identity; // the claims are the policies', not the record's
      exchange.identity = create(IdentitySchema, { subject, email, groups, issuer });
    },
    request(body, facts, known) {
      const { text, truncated } = known !== undefined && body.length <= init.recordLimit ? { text: known, truncated: false } : cutText(body, init.recordLimit);
      requestBytes = body;
      exchange.requestBody = text;
      exchange.requestTruncated = truncated;
      exchange.model = facts.model;
      exchange.stream = facts.stream;
    },
    protection({ record, masks, session, forwarded, forwardedPath }) {
      readQueued(); // each piece is read under the mode, reading and capture it was written under
      mode = record;
      if (record !== "raw" && forwardedPath !== undefined) exchange.path = forwardedPath;
      masking = session;
      exchange.maskPolicies = masks.map((rule) => rule.policy);
      // Forwarded as received (nothing masked): the same bytes, read already.
      if (record === "masked" && forwarded && forwarded !== requestBytes) {
        const { text, truncated } = cutText(forwarded, init.recordLimit);
        requestBytes = forwarded;
        exchange.requestBody = text;
        exchange.requestTruncated = truncated;
      }
    },
    guard(rules) {
      guardRules = rules;
    },
    refusal(body, provider) {
      ownAnswer = true;
      this.responseStart(provider, "application/json");
      this.responseChunk(body);
      this.firstByte();
    },
    responseStart(provider, contentType) {
      readQueued();
      const streamed = contentType.toLowerCase().startsWith("text/event-stream");
      reading = (streamed ? readStream(provider, init.recordLimit) : undefined) ?? readWhole(provider, init.recordLimit, streamed);
      // The control plane keeps a stream's writes for replay only where they cannot hold what the
      // record must not (control-plane/storage/exchange-columns.ts): not for a record kept masked
      // or none under a mask policy, so such writes are not captured, encoded nor sent at all.
      const dropped = mode === "none" || (mode !== "raw" && exchange.maskPolicies.length > 0);
      writes = streamed && !dropped ? createChunkCapture(init.recordLimit, now) : undefined;
    },
    responseChunk(client, record, parsed) {
      const masked = mode === "masked" && record !== undefined;
      queuedBytes.push(masked ? record : client);
      queuedParsed.push(masked ? parsed?.record : parsed?.client);
      queuedEvents.push(masked ? parsed?.recordEvents : parsed?.clientEvents);
      queuedAt.push(now());
      reader ??= setImmediate(readQueued);
    },
    responseBody(client, record, parsed) {
      readQueued();
      const kept = mode === "masked" ? record : client;
      try {
        reading?.whole(kept, parsed);
      } catch {
        reading = { chunk: () => {}, whole: () => {}, result: () => ({ text: "", truncated: true, streamed: false }) };
      }
    },
    firstByte() {
      firstByteAt ??= now();
    },
    forwarded(estimate) {
      sent = estimate;
    },
    notDelivered() {
      sent = undefined;
    },
    finish(outcome) {
      if (done) return;
      done = true;
      const ended = now();
      clearImmediate(reader);
      readQueued();
      const response = reading?.result(init.recordLimit);
      if (response) {
        exchange.responseBody = response.text;
        exchange.responseTruncated = response.truncated;
        exchange.stream ||= response.streamed;
      }
      const failed = outcome.verdict === Verdict.FAILED;
      // Forwarded: billed by the provider, whether or not its usage reached the agent whole. The
      // reply's size is read before the record mode may drop its text (only when estimating).
      const usage = sent && (failed || !response?.usage)
        ? forwardedUsage(response?.usage, { method: exchange.method, status: outcome.status, failed, replyBytes: response && !ownAnswer ? Buffer.byteLength(response.text, "utf8") : 0 }, sent)
        : response?.usage;
      if (usage) exchange.usage = create(UsageSchema, mapUsage(usage));
      if (writes) {
        const { chunks, truncated } = writes.result();
        exchange.responseChunks = chunks;
        exchange.responseTruncated ||= truncated;
      }
      if (mode === "none") {
        exchange.requestBody = "";
        exchange.responseBody = "";
        exchange.requestTruncated = false;
        exchange.responseTruncated = false;
      }
      if (mode) exchange.recordedBodies = recordedBodies[mode];
      const guardMasker = guardRules.length > 0 ? guardFor(guardRules) : undefined;
      // A finding's place is a path through the body, whose keys are the caller's (or provider's)
      // text: a value used as a key would be named in clear by it, in listings viewers read too.
      if (masking) exchange.findings = masking.findings().map((finding) => create(MaskFindingSchema, guardMasker ? { ...finding, location: maskedPlace(finding.location, guardMasker) } : finding));
      exchange.status = outcome.status;
      // Forwarded because a review approved it, or with something masked (or restored): the verdict
      // says so in every listing (a reviewed request that was also masked shows its findings).
      const forwardedVerdict = exchange.reviewId ? Verdict.REVIEWED : masking?.masked ? Verdict.MASKED : Verdict.ALLOWED;
      exchange.verdict = outcome.verdict === Verdict.ALLOWED ? forwardedVerdict : outcome.verdict;
      exchange.reason = outcome.reason ?? "";
      exchange.error = outcome.error ?? "";
      // What the record quotes from the caller, masked like its bodies (a mode chosen as raw keeps it as sent).
      if (guardMasker && mode !== "raw") guard(exchange, guardMasker, mode === undefined, ownAnswer);
      if (firstByteAt !== undefined) exchange.timeToFirstByte = durationFromMs(firstByteAt - started);
      exchange.duration = durationFromMs(ended - started);
      init.slot.commit(exchange);
    },
  };
}

// One guard per rule set (a snapshot's, per connection): making a mask context costs tens of µs,
// more than masking the few short texts a record quotes. Redacting only, so it keeps no pseudonym
// table, and its finding counts (never recorded) are keyed by the few places below.
const guards = new WeakMap<readonly MaskRule[], PromptMasker>();

function guardFor(rules: readonly MaskRule[]): PromptMasker {
  let masker = guards.get(rules);
  if (!masker) {
    masker = createMaskContext(rules.map((rule) => ({ ...rule, style: "redact" as const, restore: false }))).prompt;
    guards.set(rules, masker);
  }
  return masker;
}

/**
 * A finding's place with the values in its keys masked. Keys are glued by dots, which detectors
 * read as part of a value next to them (a key holding a card after one holding an e-mail reads as
 * an e-mail whose domain ends in digits, no e-mail at all): masked again until nothing more is found.
 */
function maskedPlace(location: string, masker: PromptMasker): string {
  let place = location;
  for (let pass = 0; pass < 4; pass++) {
    const next = masker.mask(place, "record.findings");
    if (next === place) break;
    place = next;
  }
  return place;
}

/**
 * Masks what `exchange` quotes from the caller outside its bodies; `unchosen`: the exchange ended
 * before the policies chose a record mode (its request body, if read, is not kept); `ownAnswer`:
 * the response is the agent's refusal, whose message may quote the caller's input.
 */
function guard(exchange: Exchange, masker: PromptMasker, unchosen: boolean, ownAnswer: boolean): void {
  exchange.connection = masker.mask(exchange.connection, "record.connection"); // an unknown one is the caller's text
  exchange.path = masker.mask(exchange.path, "record.path");
  exchange.model = masker.mask(exchange.model, "record.model");
  exchange.reason = masker.mask(exchange.reason, "record.reason");
  exchange.error = masker.mask(exchange.error, "record.error");
  if (ownAnswer) exchange.responseBody = masker.mask(exchange.responseBody, "record.response");
  if (unchosen) {
    exchange.requestBody = "";
    exchange.requestTruncated = false;
  }
}

// The largest count a uint64 field holds. A reply may report any number (1e20, a sum that is
// Infinity): as a BigInt past it, the record could not be encoded and was lost at commit.
const MAX_COUNT = 2n ** 64n - 1n;
const count = (value: number): bigint => (Number.isFinite(value) ? (value >= 2 ** 64 ? MAX_COUNT : BigInt(Math.max(0, Math.floor(value)))) : MAX_COUNT);

function mapUsage(usage: UsageCounts & { estimated?: boolean }) {
  return {
    promptTokens: count(usage.promptTokens), completionTokens: count(usage.completionTokens), totalTokens: count(usage.totalTokens),
    cachedTokens: count(usage.cachedTokens ?? 0), estimated: usage.estimated === true,
  };
}
