// Budget sums and passes on both engines: per subject, group (a request counts for each of its
// caller's groups), connection, model and all, with filters; cost by the longest-matching price,
// unpriced tokens apart; the evaluator's states, thresholds raised once per period, and the reset at
// the period boundary on an injected clock.
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BudgetPeriod, BudgetSchema, BudgetScope, ModelPriceSchema, ResourceSchema } from "../../gen/palisade/admin/v1/resources_pb.js";
import { type Exchange, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { budgetSettings } from "../../control-plane/budgets/budget-settings.js";
import { spendByScope } from "../../control-plane/budgets/budget-spend.js";
import { liveBudgetStates } from "../../control-plane/budgets/budget-states.js";
import { evaluateBudgets } from "../../control-plane/budgets/evaluate-budgets.js";
import { budgetStatesForAgents } from "../../control-plane/budgets/snapshot-budgets.js";
import type { Database } from "../../control-plane/storage/database.js";
import { createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { createResourceStore } from "../../control-plane/storage/resources/resource-store.js";
import { databaseFlavours, openTestDatabase } from "../support/database.js";
import { exchange } from "../storage/exchange-fixtures.js";

const DAY = Date.UTC(2026, 5, 10, 9, 0); // a Wednesday, 11:00 in Paris
let serial = 0;

function recorded(over: { estimated?: boolean; cached?: number; subject?: string; groups?: string[]; connection?: string; model?: string; prompt?: number; completion?: number; at?: number; verdict?: Verdict }): Exchange {
  const base = exchange(`b-${++serial}`, { subject: over.subject ?? "alice", connection: over.connection ?? "openai", startedMs: over.at ?? DAY });
  base.identity!.groups = over.groups ?? ["eng"];
  base.model = over.model ?? "gpt-4o-2024-08-06";
  const prompt = over.prompt ?? 100;
  const completion = over.completion ?? 50;
  base.usage = { $typeName: "palisade.agent.v1.Usage", promptTokens: BigInt(prompt), completionTokens: BigInt(completion), totalTokens: BigInt(prompt + completion), cachedTokens: BigInt(over.cached ?? 0), estimated: over.estimated ?? false };
  if (over.verdict !== undefined) { base.verdict = over.verdict; base.usage = undefined; }
  return base;
}

type BudgetInit = { name: string; per?: BudgetScope; subjects?: string[]; groups?: string[]; connections?: string[]; models?: string[] };
const budget = (init: BudgetInit) =>
  budgetSettings(create(BudgetSchema, { per: BudgetScope.SUBJECT, period: BudgetPeriod.DAY, timeZone: "Europe/Paris", tokens: 1000n, ...init }));

describe.each(await databaseFlavours())("budgets on %s", (flavour) => {
  let db: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await openTestDatabase(flavour));
    await createResourceStore(db).apply([
      create(ResourceSchema, { resource: { case: "modelPrice", value: create(ModelPriceSchema, { name: "gpt-4o", model: "gpt-4o*", inputPerMillion: 2.5, outputPerMillion: 10 }) } }),
      create(ResourceSchema, { resource: { case: "modelPrice", value: create(ModelPriceSchema, { name: "gpt-4o-mini", model: "gpt-4o-mini*", inputPerMillion: 0.15, outputPerMillion: 0.6 }) } }),
    ], "admin:test");
    await createExchangeSink(db).commit("agent-1", [
      recorded({ subject: "alice", groups: ["eng", "ml"] }),
      recorded({ subject: "alice", groups: ["eng", "ml"], model: "gpt-4o-mini", prompt: 1000, completion: 1000 }),
      recorded({ subject: "bob", groups: ["ml"], connection: "claude", model: "claude-x", prompt: 10, completion: 10 }),
      recorded({ subject: "carol", groups: [], at: DAY - 12 * 3_600_000 }), // the day before (Paris)
      recorded({ subject: "dave", verdict: Verdict.DENIED }), // refused: no tokens
    ]);
  });
  afterAll(async () => { await close?.(); });

  const sums = async (settings: ReturnType<typeof budget>) => {
    const start = new Date(Date.UTC(2026, 5, 9, 22)); // Paris midnight
    return (await spendByScope(db.em(), settings, start, new Date(start.getTime() + 86_400_000)))
      .map(({ key, tokens, cost, unpriced, estimated }) => ({ key, tokens, cost: Math.round(cost * 1e6) / 1e6, unpriced, ...(estimated ? { estimated } : {}) }));
  };

  it("sums per subject with the longest matching price, unpriced models apart", async () => {
    expect(await sums(budget({ name: "s" }))).toEqual([
      // 100 × 2.5 + 50 × 10 per million, then 1000 × 0.15 + 1000 × 0.6 (gpt-4o-mini* beats gpt-4o*)
      { key: "alice", tokens: 2150, cost: 0.00075 + 0.00075, unpriced: 0 },
      { key: "bob", tokens: 20, cost: 0, unpriced: 20 },
    ]);
  });

  it("counts a request toward each of its caller's groups, and filters by group, connection and model", async () => {
    expect(await sums(budget({ name: "g", per: BudgetScope.GROUP }))).toEqual([
      { key: "ml", tokens: 2170, cost: 0.0015, unpriced: 20 },
      { key: "eng", tokens: 2150, cost: 0.0015, unpriced: 0 },
    ]);
    expect(await sums(budget({ name: "g2", per: BudgetScope.GROUP, groups: ["eng"] }))).toEqual([{ key: "eng", tokens: 2150, cost: 0.0015, unpriced: 0 }]);
    expect(await sums(budget({ name: "c", per: BudgetScope.CONNECTION, connections: ["claude"] }))).toEqual([{ key: "claude", tokens: 20, cost: 0, unpriced: 20 }]);
    expect(await sums(budget({ name: "m", per: BudgetScope.ALL, models: ["gpt-4o-mini"], groups: ["ml"] }))).toEqual([{ key: "", tokens: 2000, cost: 0.00075, unpriced: 0 }]);
  });

  it("stores spent and nearly spent scopes, raises each threshold once, and resets at the period boundary", async () => {
    await createResourceStore(db).apply([create(ResourceSchema, { resource: { case: "budget", value: create(BudgetSchema, {
      name: "daily", per: BudgetScope.SUBJECT, period: BudgetPeriod.DAY, timeZone: "Europe/Paris", tokens: 2000n, thresholds: [50, 100],
    }) } })], "admin:test");
    const now = new Date(DAY + 3_600_000);
    const first = await evaluateBudgets(db, now);
    expect(first.alerts.map((alert) => [alert.alert.subject, alert.threshold]).sort()).toEqual([["alice", 100], ["alice", 50]]);
    const states = await liveBudgetStates(db.em(), now);
    expect(states.map(({ budget: name, key, spent, remainingTokens }) => ({ name, key, spent, remainingTokens }))).toEqual([
      { name: "daily", key: "alice", spent: true, remainingTokens: 0 },
    ]);
    expect(states[0]!.resetTime.toISOString()).toBe("2026-06-10T22:00:00.000Z");
    expect((await evaluateBudgets(db, new Date(now.getTime() + 1000))).alerts).toEqual([]); // once per period

    // One millisecond before midnight in Paris: still spent. At midnight: a new period, nothing spent.
    await evaluateBudgets(db, new Date(Date.UTC(2026, 5, 10, 21, 59, 59, 999)));
    expect((await liveBudgetStates(db.em(), new Date(0))).map((state) => state.spent)).toEqual([true]);
    const next = await evaluateBudgets(db, new Date(Date.UTC(2026, 5, 10, 22)));
    expect(next.spending.get("daily")?.scopes).toEqual([]);
    expect(await liveBudgetStates(db.em(), new Date(0))).toEqual([]);
  });

  it("prices cached prompt tokens at the cached price (the input price when it has none)", async () => {
    await createResourceStore(db).apply([
      create(ResourceSchema, { resource: { case: "modelPrice", value: create(ModelPriceSchema, { name: "cached", model: "cached-model", inputPerMillion: 10, cachedInputPerMillion: 1, outputPerMillion: 20 }) } }),
      create(ResourceSchema, { resource: { case: "modelPrice", value: create(ModelPriceSchema, { name: "no-cache-price", model: "plain-model", inputPerMillion: 10, outputPerMillion: 20 }) } }),
    ], "admin:test");
    await createExchangeSink(db).commit("agent-1", [
      recorded({ subject: "erin", model: "cached-model", prompt: 1000, cached: 600, completion: 100 }),
      recorded({ subject: "frank", model: "plain-model", prompt: 1000, cached: 600, completion: 100 }),
      // A usage claiming more cached tokens than prompt tokens: all of the prompt cached, no negative cost.
      recorded({ subject: "hana", model: "cached-model", prompt: 1000, cached: 1_000_000_000, completion: 100 }),
    ]);
    // Last: these exchanges would change the sums above. 400 × 10 + 600 × 1 + 100 × 20 per million;
    // without a cached price, 1000 × 10 + 100 × 20.
    expect(await sums(budget({ name: "cache", subjects: ["erin", "frank", "hana"] }))).toEqual([
      { key: "erin", tokens: 1100, cost: 0.0066, unpriced: 0 },
      { key: "frank", tokens: 1100, cost: 0.012, unpriced: 0 },
      { key: "hana", tokens: 1100, cost: 0.003, unpriced: 0 }, // 1000 × 1 + 100 × 20 per million
    ]);
  });

  it("filters models by pattern as ModelPrice does: a dated alias is covered, a sibling is not", async () => {
    // alice: gpt-4o-2024-08-06 (150 tokens) and gpt-4o-mini (2000); bob: claude-x.
    expect(await sums(budget({ name: "exact", per: BudgetScope.ALL, models: ["gpt-4o"] }))).toEqual([]);
    expect(await sums(budget({ name: "dated", per: BudgetScope.ALL, models: ["gpt-4o", "gpt-4o-2*"] }))).toEqual([{ key: "", tokens: 150, cost: 0.00075, unpriced: 0 }]);
    expect(await sums(budget({ name: "family", per: BudgetScope.ALL, models: ["gpt-4o*"], subjects: ["alice"] }))).toEqual([{ key: "", tokens: 2150, cost: 0.0015, unpriced: 0 }]);
    expect(await sums(budget({ name: "any", per: BudgetScope.SUBJECT, models: ["*"], subjects: ["bob"] }))).toEqual([{ key: "bob", tokens: 20, cost: 0, unpriced: 20 }]);
  });

  it("tells agents a pattern filter so that one not knowing patterns refuses more, never less", async () => {
    await createResourceStore(db).apply([create(ResourceSchema, { resource: { case: "budget", value: create(BudgetSchema, {
      name: "patterned", per: BudgetScope.SUBJECT, period: BudgetPeriod.DAY, timeZone: "Europe/Paris", tokens: 100n, models: ["gpt-4o", "gpt-4o-mini*"],
    }) } })], "admin:test");
    const now = new Date(DAY + 3_600_000);
    await evaluateBudgets(db, now);
    const [state] = (await budgetStatesForAgents(db.em(), now)).filter((s) => s.budget === "patterned");
    expect(state).toMatchObject({ key: "alice", spent: true, models: [], modelPatterns: ["gpt-4o", "gpt-4o-mini*"] });
  });

  it("counts and prices an agent's estimate like reported usage, and says how much of it was estimated", async () => {
    await createExchangeSink(db).commit("agent-1", [
      recorded({ subject: "gina", prompt: 100, completion: 256, estimated: true }), // a stream left before its usage
      recorded({ subject: "gina", prompt: 100, completion: 50 }),
    ]);
    // 200 × 2.5 + 306 × 10 per million
    expect(await sums(budget({ name: "estimates", subjects: ["gina"] }))).toEqual([{ key: "gina", tokens: 506, cost: 0.00356, unpriced: 0, estimated: 356 }]);
    const rows = await db.em().execute<{ usage_estimated: boolean | null }[]>("select usage_estimated from exchange where subject = 'gina' order by total_tokens desc");
    expect(rows.map((row) => row.usage_estimated)).toEqual([true, false]);
  });
});
