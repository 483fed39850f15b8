// Policies in storage on each database flavour: every field round-trips, outcomes, references to
// connections (checked inside the apply, refused when missing; a named connection cannot be
// deleted), and the deciding policy and the `limited` verdict of recorded exchanges.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Outcome } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { Kind, PolicyAction, type Policy } from "../../gen/palisade/admin/v1/resources_pb.js";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { Database } from "../../control-plane/storage/database.js";
import { createExchangeReader, createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { InvalidResourceError } from "../../control-plane/storage/resources/resource-kind.js";
import { ResourceInUseError } from "../../control-plane/storage/resources/policies-references.js";
import { createResourceStore, type ResourceStore } from "../../control-plane/storage/resources/resource-store.js";
import { exchange } from "../storage/exchange-fixtures.js";
import { databaseFlavours, openTestDatabase } from "../support/database.js";
import { connection, policy } from "./fixtures.js";

describe.each(await databaseFlavours())("policies on %s", (flavour) => {
  let opened: Awaited<ReturnType<typeof openTestDatabase>>;
  let db: Database;
  let store: ResourceStore;

  beforeAll(async () => {
    opened = await openTestDatabase(flavour);
    db = opened.db;
    store = createResourceStore(db);
  });
  afterAll(async () => {
    await opened?.close();
  });

  it("stores every field, reports outcomes, lists by name and deletes", async () => {
    const full = policy("contractors-no-gpt4", {
      priority: 100,
      connections: ["openai", "*"],
      when: '"contractors" in identity.groups && request.model.startsWith("gpt-4")',
      match: { keywords: ["social security"], patterns: ["\\b\\d{3}-\\d{2}-\\d{4}\\b"] },
      action: PolicyAction.DENY,
      reason: "Contractors may not use GPT-4 models",
      limits: { requestsPerMinute: 60, tokensPerHour: 9_007_199_254_740_991n },
      description: "who may use which model",
    });
    const created = await store.apply([connection("openai"), full, policy("budget", { action: PolicyAction.UNSPECIFIED, priority: -5, limits: { requestsPerMinute: 1 } })], "test");
    expect(created.map((r) => [r.kind, r.name, r.outcome])).toEqual([
      [Kind.CONNECTION, "openai", Outcome.CREATED],
      [Kind.POLICY, "contractors-no-gpt4", Outcome.CREATED],
      [Kind.POLICY, "budget", Outcome.CREATED],
    ]);
    expect((await store.apply([full], "test"))[0]!.outcome).toBe(Outcome.UNCHANGED);

    const got = (await store.get(Kind.POLICY, "contractors-no-gpt4"))!.resource.value as Policy;
    const sent = full.resource.value as Policy;
    expect({ ...got, createTime: undefined, updateTime: undefined }).toEqual({ ...sent, createTime: undefined, updateTime: undefined });
    expect(got.createTime).toBeDefined();
    const budget = (await store.get(Kind.POLICY, "budget"))!.resource.value as Policy;
    expect(budget).toMatchObject({ priority: -5, action: PolicyAction.UNSPECIFIED, limits: { requestsPerMinute: 1, tokensPerHour: 0n } });
    expect(budget.match).toBeUndefined();

    const changed = policy("contractors-no-gpt4", { ...sent, $typeName: undefined, reason: "No GPT-4 for contractors" } as never);
    expect((await store.apply([changed], "test"))[0]!.outcome).toBe(Outcome.UPDATED);
    expect((await store.list(Kind.POLICY)).map((r) => r.resource.value!.name)).toEqual(["budget", "contractors-no-gpt4"]);
    expect(await store.remove(Kind.POLICY, "budget", "test")).toBe(true);
    expect(await store.remove(Kind.POLICY, "budget", "test")).toBe(false);
  });

  it("refuses a policy naming an unknown connection, and applies nothing", async () => {
    const attempt = store.apply([policy("fine"), policy("dangling", { connections: ["nowhere", "openai"] })], "test");
    await expect(attempt).rejects.toThrow(InvalidResourceError);
    await expect(attempt).rejects.toThrow('policy "dangling": connection "nowhere" not found');
    expect(await store.get(Kind.POLICY, "fine")).toBeUndefined();
    // A connection created later in the same apply counts.
    await store.apply([policy("later", { connections: ["late"] }), connection("late")], "test");
    expect(await store.get(Kind.POLICY, "later")).toBeDefined();
  });

  it("refuses to delete a connection a policy names, and deletes it once none does", async () => {
    await expect(store.remove(Kind.CONNECTION, "late", "test")).rejects.toThrow(ResourceInUseError);
    await expect(store.remove(Kind.CONNECTION, "late", "test")).rejects.toThrow('connection "late" is named by policy "later"');
    expect(await store.get(Kind.CONNECTION, "late")).toBeDefined();
    await store.remove(Kind.POLICY, "later", "test");
    expect(await store.remove(Kind.CONNECTION, "late", "test")).toBe(true);
  });

  it("records the deciding policy and the limited verdict of exchanges", async () => {
    const limited = exchange(`limited-${flavour}`);
    limited.verdict = Verdict.LIMITED;
    limited.status = 429;
    limited.policy = "per-user-budget";
    await createExchangeSink(db).commit("agent-1", [limited, exchange(`plain-${flavour}`)]);
    const reader = createExchangeReader(db);
    const got = (await reader.get(`limited-${flavour}`))!.exchange;
    expect(got).toMatchObject({ verdict: Verdict.LIMITED, status: 429, policy: "per-user-budget" });
    expect((await reader.get(`plain-${flavour}`))!.exchange.policy).toBe("");
    const listed = await reader.list({ limit: 10 });
    expect(listed.exchanges.find((s) => s.exchange.id === `limited-${flavour}`)?.exchange.policy).toBe("per-user-budget");
  });
});
