// The SIEM events of sessions: one per session, whether its commit's 'sessions' entry lists it
// with others or an older 'session' entry names it alone; joined with its exchange's metadata
// (model, verdict, usage, identity, HTTP facts), never its bodies; a batch cut inside an entry
// resumes at the next session of it; an entry whose exchange row is gone says what it holds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditEvents } from "../../control-plane/audit/audit-log.js";
import { EXCHANGE_DIGEST_VERSION } from "../../control-plane/audit/exchange-digest.js";
import { readFeed } from "../../control-plane/sinks/audit-feed.js";
import { sinkEvent } from "../../control-plane/sinks/sink-event.js";
import { createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { exchange } from "../storage/exchange-fixtures.js";
import { type SinkHarness, startSinkHarness } from "./sink-harness.js";

describe("sink events", () => {
  let harness: SinkHarness;
  const id = "0b6f2c1e-5d1a-4c8e-9e43-3f1d2a7b9c10";
  // Embedded PGlite on purpose (the default deployment); migrating it is slow on a busy machine.
  beforeAll(async () => {
    harness = await startSinkHarness("pglite");
    // One commit of three sessions: one 'sessions' entry (seq 1).
    await createExchangeSink(harness.db).commit("agent-a", [exchange(id), exchange("s-2", { subject: "bob" }), exchange("s-3")]);
    await harness.append(1, 1, "admin"); // seq 2
    // An older chain's 'session' entry (seq 3) whose exchange row is gone.
    await harness.db.transaction((tx) => appendAuditEvents(tx, [{ type: "session", subject: "bob", payload: { session: "gone", connection: "openai" } }]));
  }, 120_000);
  afterAll(async () => { await harness?.close(); });

  it("describes each session of a commit with its metadata and without bodies", async () => {
    const { entries, nextCursor } = await readFeed(harness.db.em(), { seq: 0, partial: 0 }, ["session"], 10);
    expect(entries.map((e) => [e.seq, e.index, e.subject, e.payload.session])).toEqual([
      [1, 1, "alice", id], [1, 2, "bob", "s-2"], [1, 3, "alice", "s-3"], [3, undefined, "bob", "gone"],
    ]);
    expect(nextCursor).toEqual({ seq: 3, partial: 0 });
    const event = sinkEvent(entries[0]!);
    expect(event).toMatchObject({
      event: { kind: "event", category: ["web"], action: "llm-request", outcome: "success", dataset: "palisade.session", id, sequence: 1 },
      user: { id: "alice", email: "alice@example.com", group: { name: ["eng", "ml"] } },
      http: { request: { method: "POST" }, response: { status_code: 200 } },
      url: { path: "/v1/chat/completions" },
      gen_ai: { request: { model: "gpt-test" }, usage: { input_tokens: 12, output_tokens: 34, total_tokens: 46 } },
      palisade: {
        schema: 2, seq: 1, index: 1, type: "session", verdict: "allowed", session: id, connection: "openai", agent: "agent-a",
        payload: { session: id, connection: "openai", startedAt: "2026-01-01T12:00:00.000Z", digestVersion: EXCHANGE_DIGEST_VERSION },
      },
    });
    expect(sinkEvent(entries[1]!).palisade).toMatchObject({ seq: 1, index: 2, session: "s-2", hash: event.palisade.hash });
    const text = JSON.stringify(entries.map(sinkEvent));
    expect(text).not.toContain("Hello there");
    expect(text).not.toContain("gpt-test\",\"id");

    // A session whose exchange row was pruned: what the entry itself says.
    const pruned = sinkEvent(entries[3]!);
    expect(pruned).toMatchObject({ event: { id: "gone", outcome: "unknown" }, user: { id: "bob" }, palisade: { session: "gone" } });
    expect(pruned.palisade).not.toHaveProperty("index");
    expect(pruned).not.toHaveProperty("gen_ai");
  });

  it("cuts a batch inside a commit's entry and resumes at its next session", async () => {
    const em = harness.db.em();
    const first = await readFeed(em, { seq: 0, partial: 0 }, [], 2);
    expect(first.entries.map((e) => [e.seq, e.index])).toEqual([[1, 1], [1, 2]]);
    expect(first.nextCursor).toEqual({ seq: 0, partial: 2 });
    const second = await readFeed(em, first.nextCursor, [], 2);
    expect(second.entries.map((e) => [e.seq, e.index, e.type])).toEqual([[1, 3, "session"], [2, undefined, "admin"]]);
    expect(second.nextCursor).toEqual({ seq: 2, partial: 0 });
    const third = await readFeed(em, second.nextCursor, [], 2);
    expect(third.entries.map((e) => [e.seq, e.index])).toEqual([[3, undefined]]);
    expect(third.nextCursor).toEqual({ seq: 3, partial: 0 });
    // Only admin events: the sessions are passed over, the cursor moves past them.
    const admin = await readFeed(em, { seq: 0, partial: 1 }, ["admin"], 5);
    expect(admin.entries.map((e) => e.seq)).toEqual([2]);
    expect(admin.nextCursor).toEqual({ seq: 3, partial: 0 });
  });
});
