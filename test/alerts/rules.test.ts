// The evaluator's rules over real stored exchanges (written through the stream's own exchange sink,
// with the times, usage, verdicts and models each case needs): what fires, what does not, dedup,
// the audit entry with its evidence, and the block an autoBlock rule creates.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ResourceSchema, AlertRuleSchema } from "../../gen/palisade/admin/v1/resources_pb.js";
import { ExchangeSchema, IdentitySchema, UsageSchema, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import pg from "pg";
import { ALERT_EVALUATION_LOCK, evaluateRules, type FiredAlert } from "../../control-plane/alerts/evaluate-rules.js";
import { ruleSettings } from "../../control-plane/alerts/rule-settings.js";
import { liveBlocks } from "../../control-plane/blocks/block-store.js";
import type { Database } from "../../control-plane/storage/database.js";
import { createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { createResourceStore } from "../../control-plane/storage/resources/resource-store.js";
import { databaseFlavours, openTestDatabase } from "../support/database.js";

const ISSUER = "https://idp.example.com";
const NOW = Date.now();
const MIN = 60_000;

let db: Database;
let url: string | undefined;
let close: () => Promise<void>;

interface Sent { subject: string; atMs: number; tokens?: number; verdict?: Verdict; status?: number; model?: string; reason?: string }

async function record(...exchanges: Sent[]): Promise<string[]> {
  const messages = exchanges.map((e) => create(ExchangeSchema, {
    id: randomUUID(), connection: "standin", method: "POST", path: "/v1/chat/completions", model: e.model ?? "gpt-small",
    identity: create(IdentitySchema, { subject: e.subject, issuer: ISSUER, groups: [] }),
    status: e.status ?? 200, verdict: e.verdict ?? Verdict.ALLOWED, reason: e.reason ?? "",
    usage: e.tokens === undefined ? undefined : create(UsageSchema, { promptTokens: BigInt(e.tokens), completionTokens: 0n, totalTokens: BigInt(e.tokens) }),
    startedAt: timestampFromMs(e.atMs),
  }));
  await createExchangeSink(db).commit("agent-a", messages);
  return messages.map((m) => m.id);
}

async function applyRule(rule: MessageInitShape<typeof AlertRuleSchema>): Promise<void> {
  await createResourceStore(db).apply([create(ResourceSchema, { resource: { case: "alertRule", value: create(AlertRuleSchema, rule) } })], "test");
}

async function pass(atMs = NOW): Promise<FiredAlert[]> {
  const result = await evaluateRules(db, new Date(atMs));
  expect(result.evaluated).toBe(true);
  return result.evaluated ? result.fired : [];
}

const minutes = (n: number) => ({ seconds: BigInt(n * 60), nanos: 0 });

beforeAll(async () => {
  ({ db, url, close } = await openTestDatabase((await databaseFlavours()).at(-1)!));
});
afterAll(async () => { await close?.(); });
beforeEach(async () => {
  await db.em().execute("delete from alert_rule");
});

describe("token spike", () => {
  it("fires above factor × the identity's own baseline, once per window, and blocks with autoBlock", async () => {
    await applyRule({
      name: "burst", condition: { case: "tokenSpike", value: { window: minutes(5), baseline: minutes(60), factor: 5, minTokens: 100n } },
      autoBlock: { duration: minutes(60) },
    });
    // ann: 1,200 tokens over the hour before the window = 100 per 5 minutes; 450 now is below 5x.
    // bob: the same baseline; 600 now is above 5x.
    for (const subject of ["ann", "bob"]) {
      await record(...Array.from({ length: 12 }, (_, i) => ({ subject, atMs: NOW - 6 * MIN - i * 4 * MIN, tokens: 100 })));
    }
    await record({ subject: "ann", atMs: NOW - MIN, tokens: 450 });
    const evidence = await record({ subject: "bob", atMs: NOW - 2 * MIN, tokens: 300 }, { subject: "bob", atMs: NOW - MIN, tokens: 300 });

    const fired = await pass();
    expect(fired.map((f) => f.alert.subject)).toEqual(["bob"]);
    const [alert] = fired;
    expect(alert!.alert).toMatchObject({ rule: "burst", issuer: ISSUER, observed: 600, baseline: 100, blocked: true });
    expect(new Set(alert!.alert.sessionIds)).toEqual(new Set(evidence));
    expect(alert!.alert.summary).toBe("token spike: 600 tokens in 5m, above 5x the baseline of 100 per 5m (trailing 1h)");

    const blocks = await liveBlocks(db.em(), new Date());
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({ subject: "bob", issuer: ISSUER, rule: "burst", createdBy: "alert-rule:burst" });
    expect(blocks[0]!.expireTime.getTime()).toBe(alert!.blockedUntil!.getTime());

    // Dedup: the same spike seen again within the window does not fire again.
    expect(await pass(NOW + 1000)).toEqual([]);
    expect(await pass(NOW + 2 * MIN)).toEqual([]);

    const entries = await db.em().execute<Array<{ type: string; subject: string; payload: Record<string, unknown> | string }>>(
      "select type, subject, payload from audit_log where type in ('alert', 'block') order by seq");
    const parsed = entries.map((e) => ({ ...e, payload: typeof e.payload === "string" ? JSON.parse(e.payload) as Record<string, unknown> : e.payload }));
    expect(parsed.map((e) => [e.type, e.subject])).toEqual([["block", "bob"], ["alert", "bob"]]);
    expect(parsed[1]!.payload).toMatchObject({ rule: "burst", alertId: alert!.alert.id, issuer: ISSUER });
    expect(new Set(parsed[1]!.payload.sessionIds as string[])).toEqual(new Set(evidence));
    await db.em().execute("delete from block");
  });

  it("needs the minimum even without history", async () => {
    await applyRule({ name: "burst2", condition: { case: "tokenSpike", value: { window: minutes(5), minTokens: 1000n } } });
    await record({ subject: "newcomer", atMs: NOW - MIN, tokens: 999 });
    expect(await pass()).toEqual([]);
    await record({ subject: "newcomer", atMs: NOW - MIN, tokens: 1 });
    expect((await pass()).map((f) => [f.alert.subject, f.alert.blocked])).toEqual([["newcomer", false]]);
  });
});

describe("request rate spike", () => {
  it("counts requests against the baseline", async () => {
    await applyRule({ name: "busy", condition: { case: "requestRateSpike", value: { window: minutes(1), baseline: minutes(60), factor: 3, minRequests: 5 } } });
    // 60 requests over the hour before: 1 per minute. 4 now: above 3x but below the minimum of 5.
    await record(...Array.from({ length: 60 }, (_, i) => ({ subject: "carl", atMs: NOW - 2 * MIN - i * MIN })));
    await record(...Array.from({ length: 4 }, () => ({ subject: "carl", atMs: NOW - 1000 })));
    expect(await pass()).toEqual([]);
    await record({ subject: "carl", atMs: NOW - 500 });
    expect((await pass()).map((f) => [f.alert.subject, f.alert.observed])).toEqual([["carl", 5]]);
  });
});

describe("repeated violations", () => {
  it("fires at N refusals in the window, not counting refusals by a block", async () => {
    await applyRule({ name: "refusals", condition: { case: "repeatedViolations", value: { count: 3, window: minutes(10) } } });
    await record(
      { subject: "dora", atMs: NOW - 20 * MIN, verdict: Verdict.DENIED, status: 403 }, // outside the window
      { subject: "dora", atMs: NOW - 5 * MIN, verdict: Verdict.DENIED, status: 403 },
      { subject: "dora", atMs: NOW - 4 * MIN, verdict: Verdict.LIMITED, status: 429 },
      { subject: "dora", atMs: NOW - 3 * MIN, verdict: Verdict.DENIED, status: 403, reason: "blocked until 2026-01-01T00:00:00Z by an administrator: x" },
      { subject: "dora", atMs: NOW - 2 * MIN, verdict: Verdict.ALLOWED, status: 200 },
    );
    expect(await pass()).toEqual([]);
    const third = await record({ subject: "dora", atMs: NOW - MIN, verdict: Verdict.DENIED, status: 403 });
    const fired = await pass();
    expect(fired.map((f) => [f.alert.subject, f.alert.observed])).toEqual([["dora", 3]]);
    expect(fired[0]!.alert.sessionIds).toHaveLength(3);
    expect(fired[0]!.alert.sessionIds[0]).toBe(third[0]);
  });
});

describe("unusual model", () => {
  it("fires for a model the identity did not use in the baseline, not for a new identity", async () => {
    await applyRule({ name: "new-model", condition: { case: "unusualModel", value: { baseline: minutes(24 * 60) } } });
    await record({ subject: "erin", atMs: NOW - 3 * 60 * MIN, model: "gpt-small" });
    await record({ subject: "erin", atMs: NOW - MIN, model: "gpt-small" }, { subject: "stranger", atMs: NOW - MIN, model: "gpt-huge" });
    expect(await pass()).toEqual([]);
    const [odd] = await record({ subject: "erin", atMs: NOW - 30_000, model: "gpt-huge" });
    const fired = await pass();
    expect(fired.map((f) => [f.alert.subject, f.alert.model, f.alert.sessionIds])).toEqual([["erin", "gpt-huge", [odd]]]);
    expect(await pass(NOW + 1000)).toEqual([]);
  });
});

// PGlite is one session in one process: there is no other replica to exclude.
describe.runIf(await databaseFlavours().then((f) => f.includes("postgres")))("replicas", { tags: ["postgres"] }, () => {
  it("skip a pass while another replica holds the evaluation lock", async () => {
    await applyRule({ name: "any", condition: { case: "repeatedViolations", value: {} } });
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await other.query("select pg_advisory_lock($1)", [ALERT_EVALUATION_LOCK]);
      expect(await evaluateRules(db, new Date())).toEqual({ evaluated: false });
      await other.query("select pg_advisory_unlock($1)", [ALERT_EVALUATION_LOCK]);
      expect((await evaluateRules(db, new Date())).evaluated).toBe(true);
    } finally {
      await other.end();
    }
  });
});

describe("settings", () => {
  it("fill the documented defaults", () => {
    expect(ruleSettings(create(AlertRuleSchema, { name: "d", condition: { case: "tokenSpike", value: {} }, autoBlock: {} }))).toMatchObject({
      condition: { type: "token_spike", windowSeconds: 300, baselineSeconds: 3600, factor: 5, minimum: 1000 }, autoBlockSeconds: 3600,
    });
    expect(ruleSettings(create(AlertRuleSchema, { name: "d", condition: { case: "requestRateSpike", value: {} } })).condition)
      .toEqual({ type: "request_rate_spike", windowSeconds: 60, baselineSeconds: 3600, factor: 5, minimum: 20 });
    expect(ruleSettings(create(AlertRuleSchema, { name: "d", condition: { case: "repeatedViolations", value: {} } })).condition)
      .toEqual({ type: "repeated_violations", count: 5, windowSeconds: 600 });
    expect(ruleSettings(create(AlertRuleSchema, { name: "d", condition: { case: "unusualModel", value: {} } })).condition)
      .toEqual({ type: "unusual_model", baselineSeconds: 604_800 });
  });
});
