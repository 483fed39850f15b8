// The SIEM event of a session entry: joined with its exchange's metadata (model, verdict, usage,
// identity, HTTP facts), never its bodies; and of an entry whose exchange row is gone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditEvents } from "../../control-plane/audit/audit-log.js";
import { readFeed } from "../../control-plane/sinks/audit-feed.js";
import { sinkEvent } from "../../control-plane/sinks/sink-event.js";
import { createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { exchange } from "../storage/exchange-fixtures.js";
import { type SinkHarness, startSinkHarness } from "./sink-harness.js";

describe("sink events", () => {
  let harness: SinkHarness;
  // Embedded PGlite on purpose (the default deployment); migrating it is slow on a busy machine.
  beforeAll(async () => { harness = await startSinkHarness("pglite"); }, 120_000);
  afterAll(async () => { await harness?.close(); });

  it("describes a session with its metadata and without bodies", async () => {
    const id = "0b6f2c1e-5d1a-4c8e-9e43-3f1d2a7b9c10";
    await createExchangeSink(harness.db).commit("agent-a", [exchange(id)]);
    // The exchange sink appends the session entry once the audit chain records sessions; until
    // then (or on an older build) the test appends it as the chain does.
    const existing = await harness.db.em().execute("select seq from audit_log where type = 'session' and payload->>'session' = ?", [id]);
    if (existing.length === 0) {
      await harness.db.transaction((tx) => appendAuditEvents(tx, [{
        type: "session", subject: "alice", payload: { session: id, connection: "openai", startedAt: "2026-01-01T12:00:00.000Z", digest: "d", digestVersion: 1 },
      }]));
    }
    await harness.db.transaction((tx) => appendAuditEvents(tx, [{ type: "session", subject: "bob", payload: { session: "gone", connection: "openai" } }]));

    const { entries } = await readFeed(harness.db.em(), 0, ["session"], 10);
    expect(entries).toHaveLength(2);
    const event = sinkEvent(entries[0]!);
    expect(event).toMatchObject({
      event: { kind: "event", category: ["web"], action: "llm-request", outcome: "success", dataset: "palisade.session", id },
      user: { id: "alice", email: "alice@example.com", group: { name: ["eng", "ml"] } },
      http: { request: { method: "POST" }, response: { status_code: 200 } },
      url: { path: "/v1/chat/completions" },
      gen_ai: { request: { model: "gpt-test" }, usage: { input_tokens: 12, output_tokens: 34, total_tokens: 46 } },
      palisade: { type: "session", verdict: "allowed", session: id, connection: "openai", agent: "agent-a" },
    });
    const text = JSON.stringify(event);
    expect(text).not.toContain("Hello there");
    expect(text).not.toContain("gpt-test\",\"id");

    // A session whose exchange row was pruned: what the entry itself says.
    const pruned = sinkEvent(entries[1]!);
    expect(pruned).toMatchObject({ event: { id: "gone", outcome: "unknown" }, user: { id: "bob" }, palisade: { session: "gone" } });
    expect(pruned).not.toHaveProperty("gen_ai");
  });
});
