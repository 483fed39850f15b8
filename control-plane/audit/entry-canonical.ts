// The canonical text an audit entry's hash covers: JCS (RFC 8785) of
// {seq, time, type, subject, payload, prev_hash}. Session entries — one per recorded exchange, the
// bulk of the chain — have a fixed shape, and are written out directly in JCS member order rather
// than through the generic canonicaliser (sorting and recursing per entry cost more than the
// hash). Byte-identical to canonicalJson for every entry of that shape (entry-canonical.test.ts,
// a property test over arbitrary strings and numbers); any other entry goes the generic way.
import type { AuditEntry } from "./entry-shape.js";
import { canonicalJson } from "./canonical-json.js";

/** The JCS text of an entry's hashed fields. */
export function canonicalEntry(entry: Omit<AuditEntry, "hash">): string {
  const { seq, time, type, subject, payload, prev_hash } = entry;
  if (type === "session" && isSessionShape(payload) && typeof seq === "number" && Number.isFinite(seq)
    && typeof time === "string" && typeof subject === "string" && typeof prev_hash === "string") {
    // Members in UTF-16 code-unit order: payload < prev_hash < seq < subject < time < type, and
    // connection < digest < digestVersion < session < startedAt. Strings and numbers are written
    // by JSON.stringify, as canonicalJson writes them.
    return `{"payload":{"connection":${JSON.stringify(payload.connection)},"digest":${JSON.stringify(payload.digest)},`
      + `"digestVersion":${JSON.stringify(payload.digestVersion)},"session":${JSON.stringify(payload.session)},`
      + `"startedAt":${JSON.stringify(payload.startedAt)}},"prev_hash":${JSON.stringify(prev_hash)},"seq":${JSON.stringify(seq)},`
      + `"subject":${JSON.stringify(subject)},"time":${JSON.stringify(time)},"type":"session"}`;
  }
  return canonicalJson({ seq, time, type, subject, payload, prev_hash });
}

interface SessionShape {
  connection: string;
  digest: string;
  digestVersion: number;
  session: string;
  startedAt: string;
}

const SESSION_KEYS = ["connection", "digest", "digestVersion", "session", "startedAt"];

// Exactly these five members, four strings and a finite number (what session-events.ts writes).
function isSessionShape(payload: AuditEntry["payload"]): payload is AuditEntry["payload"] & SessionShape {
  const keys = Object.keys(payload);
  return keys.length === SESSION_KEYS.length && SESSION_KEYS.every((key) => Object.hasOwn(payload, key))
    && typeof payload.connection === "string" && typeof payload.digest === "string"
    && typeof payload.digestVersion === "number" && Number.isFinite(payload.digestVersion)
    && typeof payload.session === "string" && typeof payload.startedAt === "string";
}
