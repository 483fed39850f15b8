// The canonical text an audit entry's hash covers: JCS (RFC 8785) of
// {seq, time, type, subject, payload, prev_hash}. Entries of sessions — 'sessions' entries (one per
// commit, listing its sessions) and the older 'session' entries (one per session) — have fixed
// shapes and are written out directly in JCS member order rather than through the generic
// canonicaliser (sorting and recursing cost more than the hash). Byte-identical to canonicalJson
// for every entry of those shapes (entry-canonical.test.ts, property tests over arbitrary strings
// and numbers); any other entry goes the generic way.
import type { AuditEntry } from "./entry-shape.js";
import { canonicalJson } from "./canonical-json.js";

/** The JCS text of an entry's hashed fields. */
export function canonicalEntry(entry: Omit<AuditEntry, "hash">): string {
  const { seq, time, type, subject, payload, prev_hash } = entry;
  const direct = typeof seq === "number" && Number.isFinite(seq) && typeof time === "string"
    && typeof subject === "string" && typeof prev_hash === "string" ? directPayload(type, payload) : undefined;
  if (direct === undefined) return canonicalJson({ seq, time, type, subject, payload, prev_hash });
  return canonicalEnvelope(entry, direct);
}

/**
 * The JCS text of an entry whose payload's JCS text is `payloadText` (members in UTF-16 code-unit
 * order: payload < prev_hash < seq < subject < time < type). `seq` must be finite, the rest strings.
 */
export function canonicalEnvelope(entry: Pick<AuditEntry, "seq" | "time" | "type" | "subject" | "prev_hash">, payloadText: string): string {
  return `{"payload":${payloadText},"prev_hash":${JSON.stringify(entry.prev_hash)},"seq":${JSON.stringify(entry.seq)},`
    + `"subject":${JSON.stringify(entry.subject)},"time":${JSON.stringify(entry.time)},"type":${JSON.stringify(entry.type)}}`;
}

/**
 * The JCS text of a session or sessions payload, written directly; undefined when `payload` is not
 * exactly that type's shape (the caller then takes the generic way). Strings and numbers are
 * written by JSON.stringify, as canonicalJson writes them.
 */
export function directPayload(type: unknown, payload: AuditEntry["payload"]): string | undefined {
  if (type === "sessions" && isSessionsShape(payload)) {
    // digestVersion < fields < sessions; arrays keep their order.
    return `{"digestVersion":${JSON.stringify(payload.digestVersion)},"fields":${stringArray(payload.fields)},`
      + `"sessions":[${payload.sessions.map(stringArray).join(",")}]}`;
  }
  if (type === "session" && isSessionShape(payload)) {
    // connection < digest < digestVersion < session < startedAt.
    return `{"connection":${JSON.stringify(payload.connection)},"digest":${JSON.stringify(payload.digest)},`
      + `"digestVersion":${JSON.stringify(payload.digestVersion)},"session":${JSON.stringify(payload.session)},`
      + `"startedAt":${JSON.stringify(payload.startedAt)}}`;
  }
  return undefined;
}

function stringArray(values: readonly string[]): string {
  let text = "[";
  for (let i = 0; i < values.length; i++) text += (i === 0 ? "" : ",") + JSON.stringify(values[i]);
  return `${text}]`;
}

interface SessionShape {
  connection: string;
  digest: string;
  digestVersion: number;
  session: string;
  startedAt: string;
}

interface SessionsShape {
  digestVersion: number;
  fields: string[];
  sessions: string[][];
}

const SESSION_KEYS = ["connection", "digest", "digestVersion", "session", "startedAt"];
const SESSIONS_KEYS = ["digestVersion", "fields", "sessions"];

function hasExactly(payload: object, keys: readonly string[]): boolean {
  const own = Object.keys(payload);
  return own.length === keys.length && keys.every((key) => Object.hasOwn(payload, key));
}

const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === "string");

// Exactly these five members, four strings and a finite number (the 'session' entries written before 'sessions').
function isSessionShape(payload: AuditEntry["payload"]): payload is AuditEntry["payload"] & SessionShape {
  return hasExactly(payload, SESSION_KEYS)
    && typeof payload.connection === "string" && typeof payload.digest === "string"
    && typeof payload.digestVersion === "number" && Number.isFinite(payload.digestVersion)
    && typeof payload.session === "string" && typeof payload.startedAt === "string";
}

// Exactly these three members: a finite number, an array of strings, an array of arrays of strings.
function isSessionsShape(payload: AuditEntry["payload"]): payload is AuditEntry["payload"] & SessionsShape {
  return hasExactly(payload, SESSIONS_KEYS)
    && typeof payload.digestVersion === "number" && Number.isFinite(payload.digestVersion)
    && isStrings(payload.fields) && Array.isArray(payload.sessions) && payload.sessions.every(isStrings);
}
