// The session entries' direct canonical forms ('sessions' and the older 'session') must be
// byte-identical to the generic JCS encoder for every entry of those shapes, or chains written by
// one would fail verification by the other (and by any outside JCS implementation).
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import type { AuditEntry } from "./audit-entry.js";
import { canonicalJson } from "./canonical-json.js";
import { canonicalEntry } from "./entry-canonical.js";

// Counts the generic encoder's calls, to show that session entries really take the direct way.
vi.mock("./canonical-json.js", async (original) => {
  const actual = await original<typeof import("./canonical-json.js")>();
  return { ...actual, canonicalJson: vi.fn(actual.canonicalJson) };
});

// Any UTF-16 string: lone surrogates, controls, quotes, backslashes, U+2028, astral characters.
const anyString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom("", "\"", "\\", "\u0000", "\u001f", "\u007f", "\u2028", "\ud800", "\udfff", "😀", "é", "</script>"),
);
const anyNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1, 1e21, 1e-7, 5e-324, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 0.1 + 0.2),
);

const sessionEntry = fc.record({
  seq: anyNumber,
  time: anyString,
  type: fc.constant("session" as const),
  subject: anyString,
  payload: fc.record({ session: anyString, connection: anyString, startedAt: anyString, digest: anyString, digestVersion: anyNumber }),
  prev_hash: anyString,
});

const sessionsEntry = fc.record({
  seq: anyNumber,
  time: anyString,
  type: fc.constant("sessions" as const),
  subject: anyString,
  payload: fc.record({
    digestVersion: anyNumber,
    fields: fc.array(anyString, { maxLength: 6 }),
    sessions: fc.array(fc.array(anyString, { maxLength: 6 }), { maxLength: 8 }),
  }),
  prev_hash: anyString,
});

function generic(entry: Omit<AuditEntry, "hash">): string {
  const { seq, time, type, subject, payload, prev_hash } = entry;
  return canonicalJson({ seq, time, type, subject, payload, prev_hash });
}

describe("canonicalEntry", () => {
  it("writes session entries exactly as the generic JCS encoder does", () => {
    fc.assert(fc.property(sessionEntry, (entry) => {
      vi.mocked(canonicalJson).mockClear();
      const direct = canonicalEntry(entry);
      expect(vi.mocked(canonicalJson)).not.toHaveBeenCalled();
      expect(direct).toBe(generic(entry));
    }), { numRuns: 5000 });
  });

  it("writes sessions entries exactly as the generic JCS encoder does", () => {
    fc.assert(fc.property(sessionsEntry, (entry) => {
      vi.mocked(canonicalJson).mockClear();
      const direct = canonicalEntry(entry);
      expect(vi.mocked(canonicalJson)).not.toHaveBeenCalled();
      expect(direct).toBe(generic(entry));
    }), { numRuns: 3000 });
  });

  it("takes the generic way for every other shape, with the same result", () => {
    const entries: Omit<AuditEntry, "hash">[] = [
      // a member missing, one more, one of another type, another event type
      { seq: 1, time: "t", type: "session", subject: "s", payload: { session: "a", connection: "c" }, prev_hash: "0" },
      { seq: 1, time: "t", type: "session", subject: "s", payload: { session: "a", connection: "c", startedAt: "x", digest: "d", digestVersion: 1, extra: true }, prev_hash: "0" },
      { seq: 1, time: "t", type: "session", subject: "s", payload: { session: "a", connection: "c", startedAt: "x", digest: "d", digestVersion: "1" }, prev_hash: "0" },
      { seq: 1, time: "t", type: "admin", subject: "s", payload: { session: "a", connection: "c", startedAt: "x", digest: "d", digestVersion: 1 }, prev_hash: "0" },
      // sessions: a number among the strings, a member more, a missing one, a non-finite seq
      { seq: 1, time: "t", type: "sessions", subject: "", payload: { digestVersion: 1, fields: ["a"], sessions: [["x", 1]] }, prev_hash: "0" },
      { seq: 1, time: "t", type: "sessions", subject: "", payload: { digestVersion: 1, fields: [], sessions: [], more: null }, prev_hash: "0" },
      { seq: 1, time: "t", type: "sessions", subject: "", payload: { digestVersion: 1, sessions: [] }, prev_hash: "0" },
      { seq: 1, time: "t", type: "sessions", subject: "", payload: { digestVersion: 1, fields: "a", sessions: [] }, prev_hash: "0" },
    ];
    for (const entry of entries) {
      vi.mocked(canonicalJson).mockClear();
      expect(canonicalEntry(entry)).toBe(generic(entry));
      expect(vi.mocked(canonicalJson)).toHaveBeenCalledTimes(2);
    }
  });

  it("matches a hand-checked JCS text of a sessions entry", () => {
    const entry = {
      seq: 8, time: "2026-11-29T18:00:00.124Z", type: "sessions" as const, subject: "", prev_hash: "ab",
      payload: { fields: ["session", "subject"], digestVersion: 3, sessions: [["s-1", "ann"], ["s-2", "é"]] },
    };
    expect(canonicalEntry(entry)).toBe(
      '{"payload":{"digestVersion":3,"fields":["session","subject"],"sessions":[["s-1","ann"],["s-2","é"]]},'
      + '"prev_hash":"ab","seq":8,"subject":"","time":"2026-11-29T18:00:00.124Z","type":"sessions"}',
    );
  });

  it("matches a hand-checked JCS text", () => {
    const entry = {
      seq: 7, time: "2026-11-29T18:00:00.123Z", type: "session" as const, subject: "ann@example.com", prev_hash: "ab",
      payload: { session: "s-1", connection: "openai", startedAt: "2026-11-29T17:59:59.000Z", digest: "cd", digestVersion: 1 },
    };
    expect(canonicalEntry(entry)).toBe(
      '{"payload":{"connection":"openai","digest":"cd","digestVersion":1,"session":"s-1","startedAt":"2026-11-29T17:59:59.000Z"},'
      + '"prev_hash":"ab","seq":7,"subject":"ann@example.com","time":"2026-11-29T18:00:00.123Z","type":"session"}',
    );
  });
});
