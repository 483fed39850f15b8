// How an Exchange message maps onto the columns of the `exchange` table and back.
import { create } from "@bufbuild/protobuf";
import { PostgresMicros } from "./binary-array.js";
import { decodeWrites, encodeWrites, offsetNanos, type StoredWrite } from "./response-writes.js";
import { type Duration, DurationSchema, type Timestamp, TimestampSchema } from "@bufbuild/protobuf/wkt";
import {
  type Exchange, ExchangeSchema, IdentitySchema, MaskFindingSchema, RecordedBodies, ResponseChunkSchema, UsageSchema, type Verdict,
} from "../../gen/palisade/agent/v1/exchange_pb.js";

// Columns written on insert with their SQL types, in the order `exchangeValues` returns them.
const COLUMN_TYPES = {
  id: "text", agent: "text", connection: "text", subject: "text", email: "text", groups: "jsonb",
  issuer: "text", method: "text", path: "text", model: "text", stream: "boolean", status: "integer",
  verdict: "integer", reason: "text", request_body: "text", response_body: "text",
  request_truncated: "boolean", response_truncated: "boolean", prompt_tokens: "bigint",
  completion_tokens: "bigint", total_tokens: "bigint", started_at: "timestamptz",
  time_to_first_byte_ns: "bigint", duration_ns: "bigint", error: "text", policy: "text",
  review_id: "text", findings: "jsonb", recorded_bodies: "integer", mask_policies: "jsonb",
  response_chunks: "jsonb", agent_instance: "text", cached_tokens: "bigint", response_writes: "bytea",
  usage_estimated: "boolean",
} as const;

/** Columns written on insert, in the order `exchangeValues` returns them. */
export const EXCHANGE_COLUMNS = Object.keys(COLUMN_TYPES) as (keyof typeof COLUMN_TYPES)[];
/** The SQL type of each of EXCHANGE_COLUMNS, in that order. */
export const EXCHANGE_COLUMN_TYPES: readonly string[] = Object.values(COLUMN_TYPES);

/** Columns read back; timestamps as exact epoch microseconds, bodies only when asked for. */
export function exchangeSelectList(withBodies: boolean): string {
  const bodies = withBodies
    ? "request_body, response_body, response_chunks, response_writes"
    : "'' as request_body, '' as response_body, null as response_chunks, null as response_writes";
  return `id, agent, connection, subject, email, groups, issuer, method, path, model, stream, status,
    verdict, reason, ${bodies}, request_truncated, response_truncated, prompt_tokens,
    completion_tokens, total_tokens, time_to_first_byte_ns, duration_ns, error, policy,
    review_id, agent_instance, cached_tokens, usage_estimated,
    findings, recorded_bodies, mask_policies,
    (extract(epoch from started_at) * 1000000)::bigint as started_us,
    (extract(epoch from committed_at) * 1000000)::bigint as committed_us,
    started_at::text as started_key`;
}

/** A row as the select list above returns it (drivers differ on number vs string for bigint). */
export interface ExchangeRecordRow {
  id: string; agent: string; connection: string; subject: string | null; email: string | null;
  groups: string[] | string | null; issuer: string | null; method: string; path: string; model: string;
  stream: boolean; status: number; verdict: number; reason: string; request_body: string;
  response_body: string; response_chunks: StoredWrite[] | string | null; response_writes: Uint8Array | null; request_truncated: boolean; response_truncated: boolean;
  prompt_tokens: Numeric | null; completion_tokens: Numeric | null; total_tokens: Numeric | null;
  time_to_first_byte_ns: Numeric | null; duration_ns: Numeric | null; error: string; policy: string;
  findings: StoredFinding[] | string; recorded_bodies: number; mask_policies: string[] | string;
  started_us: Numeric; committed_us: Numeric; started_key: string;
  review_id: string; agent_instance: string; cached_tokens: Numeric | null;
  /** Null before migration 0030, without usage, and from agents that never estimate: reported. */
  usage_estimated: boolean | null;
}
type Numeric = string | number | bigint;
/** One element of the `findings` jsonb column. */
interface StoredFinding { detector: string; location: string; count: number }

/**
 * The values of one row in EXCHANGE_COLUMNS order; `agent` comes from the stream's identity.
 * `binary` (for binary-array.ts): bigint columns as bigints and timestamps as PostgresMicros where
 * that is exactly the datum their text would give, so nothing is printed to be parsed back.
 */
export function exchangeValues(agent: string, exchange: Exchange, now: Date, binary = false): unknown[] {
  const values = rawExchangeValues(agent, exchange, now, binary);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value === "string") values[i] = withoutNul(value);
  }
  return values;
}

/**
 * PostgreSQL text and jsonb cannot hold U+0000: one such character from a provider (a broken
 * stream) would make the whole batch fail to commit on every resend, and hold up every later
 * record of that agent. It is stored as U+FFFD instead (test/faults/provider-faults.test.ts). So is
 * a lone surrogate (UTF-16 only, no character): PostgreSQL got U+FFFD for it already in binary
 * parameters (UTF-8 has no lone surrogate), PGlite's text arrays and jsonb refused the batch.
 */
function withoutNul(text: string): string {
  const kept = text.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text;
  return kept.isWellFormed() ? kept : kept.toWellFormed();
}

// JSON for a jsonb column: jsonb refuses the escape \u0000 as text refuses the character, and the
// escape of a lone surrogate (`\ud800`, as JSON.stringify writes one), so those become U+FFFD here too.
function jsonText(value: unknown): string {
  const text = JSON.stringify(value);
  // Rare: only then is the value walked again (a literal backslash-u0000 or backslash-ud takes this
  // way harmlessly).
  if (!text.includes("\\u0000") && !text.includes("\\ud")) return text;
  return JSON.stringify(value, (_key, member: unknown) => (typeof member === "string" ? withoutNul(member) : member));
}

function rawExchangeValues(agent: string, exchange: Exchange, now: Date, binary: boolean): unknown[] {
  const identity = exchange.identity;
  const usage = exchange.usage;
  const startedAt = exchange.startedAt ? (binary && postgresMicros(exchange.startedAt)) || microsecondText(exchange.startedAt) : now.toISOString();
  const int64 = binary ? bigintValue : String;
  const nanos = binary ? nanosValue : nanosText;
  return [
    exchange.id, agent, exchange.connection, identity?.subject ?? null, identity?.email ?? null,
    identity ? jsonText(identity.groups) : null, identity?.issuer ?? null, exchange.method,
    exchange.path, exchange.model, exchange.stream, exchange.status, exchange.verdict,
    exchange.reason, exchange.requestBody, exchange.responseBody, exchange.requestTruncated,
    exchange.responseTruncated, usage ? int64(usage.promptTokens) : null,
    usage ? int64(usage.completionTokens) : null, usage ? int64(usage.totalTokens) : null,
    startedAt, nanos(exchange.timeToFirstByte), nanos(exchange.duration), exchange.error,
    exchange.policy,
    exchange.reviewId,
    jsonText(exchange.findings.map(({ detector, location, count }) => ({ detector, location, count }))),
    exchange.recordedBodies, jsonText(exchange.maskPolicies), null,
    exchange.agentInstance, usage ? int64(usage.cachedTokens) : null, writesValue(exchange),
    usage ? usage.estimated : null,
  ];
}

// The writes are what the caller received: with masking (pseudonyms restored for the caller) they
// may hold values the masked record must not, so they are kept only for raw or unmasked records.
// Stored in `response_writes` (response-writes.ts); `response_chunks` is left null since 0026.
function writesValue(exchange: Exchange): Buffer | null {
  if (exchange.responseChunks.length === 0) return null;
  if (exchange.recordedBodies === RecordedBodies.NONE) return null;
  if (exchange.recordedBodies !== RecordedBodies.RAW && exchange.maskPolicies.length > 0) return null;
  return encodeWrites(exchange.responseChunks.map((chunk) => ({ ns: offsetNanos(chunk.offset), data: withoutNul(chunk.data) })));
}

/** The Exchange a stored row describes. */
export function exchangeFromRow(row: ExchangeRecordRow): Exchange {
  const groups = jsonList<string>(row.groups);
  return create(ExchangeSchema, {
    id: row.id,
    connection: row.connection,
    identity: row.subject === null ? undefined : create(IdentitySchema, {
      subject: row.subject, email: row.email ?? "", groups: groups ?? [], issuer: row.issuer ?? "",
    }),
    method: row.method, path: row.path, model: row.model, stream: row.stream,
    status: row.status, verdict: row.verdict as Verdict, reason: row.reason,
    requestBody: row.request_body, responseBody: row.response_body,
    requestTruncated: row.request_truncated, responseTruncated: row.response_truncated,
    usage: row.total_tokens === null ? undefined : create(UsageSchema, {
      promptTokens: BigInt(row.prompt_tokens ?? 0),
      completionTokens: BigInt(row.completion_tokens ?? 0),
      totalTokens: BigInt(row.total_tokens),
      cachedTokens: BigInt(row.cached_tokens ?? 0),
      estimated: row.usage_estimated === true,
    }),
    startedAt: timestampFromMicros(row.started_us),
    timeToFirstByte: durationFromNanos(row.time_to_first_byte_ns),
    duration: durationFromNanos(row.duration_ns),
    error: row.error,
    agent: row.agent,
    agentInstance: row.agent_instance,
    policy: row.policy,
    reviewId: row.review_id,
    findings: jsonList<StoredFinding>(row.findings).map((finding) => create(MaskFindingSchema, finding)),
    recordedBodies: row.recorded_bodies as RecordedBodies,
    maskPolicies: jsonList<string>(row.mask_policies),
    responseChunks: chunksFromRow(row.response_writes, row.response_chunks),
  });
}

// jsonb comes back parsed from PostgreSQL and as text from some drivers.
function jsonList<T>(value: T[] | string | null): T[] {
  return typeof value === "string" ? JSON.parse(value) as T[] : (value ?? []);
}

// Rows stored since 0026 hold `response_writes`, older ones `response_chunks`.
function chunksFromRow(writes: Uint8Array | null, chunks: ExchangeRecordRow["response_chunks"]) {
  const stored = writes ? decodeWrites(writes) : jsonList<StoredWrite>(chunks);
  return stored.map((chunk) => create(ResponseChunkSchema, { offset: durationFromNanos(chunk.ns), data: chunk.data }));
}

/** A protobuf Timestamp from epoch microseconds. */
export function timestampFromMicros(micros: Numeric): Timestamp {
  const us = BigInt(micros);
  return create(TimestampSchema, { seconds: us / 1_000_000n, nanos: Number(us % 1_000_000n) * 1000 });
}

// ISO 8601 with microseconds, PostgreSQL's own precision (a Date would cut to milliseconds).
function microsecondText(timestamp: Timestamp): string {
  const whole = new Date(Number(timestamp.seconds) * 1000).toISOString().slice(0, 19);
  return `${whole}.${String(Math.floor(timestamp.nanos / 1000)).padStart(6, "0")}Z`;
}

// Microseconds since PostgreSQL's epoch (2000-01-01 UTC) of what microsecondText prints, where
// PostgreSQL reads that text to this very datum: nanos in range, years 1000–9999 (as binary-array.ts
// checks the text); otherwise undefined, and the text goes.
function postgresMicros(timestamp: Timestamp): PostgresMicros | undefined {
  const { seconds, nanos } = timestamp;
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999 || seconds < FIRST_SECOND || seconds > LAST_SECOND) return undefined;
  return new PostgresMicros((seconds - POSTGRES_EPOCH_SECONDS) * 1_000_000n + BigInt(Math.floor(nanos / 1000)), () => microsecondText(timestamp));
}
const POSTGRES_EPOCH_SECONDS = BigInt(Date.UTC(2000, 0, 1) / 1000);
const FIRST_SECOND = BigInt(Date.UTC(1000, 0, 1) / 1000);
const LAST_SECOND = BigInt(Date.UTC(9999, 11, 31, 23, 59, 59) / 1000);

function bigintValue(value: bigint): bigint {
  return value;
}

function nanosValue(duration: Duration | undefined): bigint | null {
  return duration ? duration.seconds * 1_000_000_000n + BigInt(duration.nanos) : null;
}

function nanosText(duration: Duration | undefined): string | null {
  return duration ? String(nanosValue(duration)) : null;
}

function durationFromNanos(value: Numeric | null): Duration | undefined {
  if (value === null) return undefined;
  const ns = BigInt(value);
  return create(DurationSchema, { seconds: ns / 1_000_000_000n, nanos: Number(ns % 1_000_000_000n) });
}
