// The data-protection fields in storage on each database flavour: a mask and a review policy
// round-trip every field through the store, and an exchange keeps its findings, what its bodies
// hold and the mask policies that applied (older rows read back empty).
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Outcome } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import {
  ContentMatchSchema, KeywordMatch, Kind, MaskDirection, MaskStyle, PolicyAction, RecordMode, type Policy,
} from "../../gen/palisade/admin/v1/resources_pb.js";
import { RecordedBodies, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { createExchangeReader, createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { createResourceStore } from "../../control-plane/storage/resources/resource-store.js";
import { agentPolicy } from "../../control-plane/snapshot/snapshot-policies.js";
import { KeywordMatch as AgentKeywordMatch } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { exchange } from "../storage/exchange-fixtures.js";
import { databaseFlavours, openTestDatabase } from "../support/database.js";
import { connection, policy } from "./fixtures.js";

describe.each(await databaseFlavours())("policy protection fields on %s", (flavour) => {
  let opened: Awaited<ReturnType<typeof openTestDatabase>>;
  beforeAll(async () => { opened = await openTestDatabase(flavour); });
  afterAll(async () => { await opened?.close(); });

  it("stores every mask, review and record field and reports unchanged on re-apply", async () => {
    const store = createResourceStore(opened.db);
    const mask = policy("mask-pii", {
      action: PolicyAction.MASK, detectors: ["email", "phone"], maskPatterns: ["ACME-\\d{4}"], maskWords: ["Falcon"],
      phoneRegion: "DE", direction: MaskDirection.BOTH, style: MaskStyle.PSEUDONYMIZE, restore: true, record: RecordMode.RAW,
    });
    const review = policy("review", {
      action: PolicyAction.REVIEW, approvers: ["security", "legal"], wait: durationFromMs(30_000),
      grant: durationFromMs(3_600_000), webhook: "http://hooks.internal/review", record: RecordMode.NONE,
    });
    await store.apply([connection("openai"), mask, review], "test");
    const read = async (name: string) => (await store.get(Kind.POLICY, name))!.resource.value as Policy;
    expect(await read("mask-pii")).toMatchObject({
      detectors: ["email", "phone"], maskPatterns: ["ACME-\\d{4}"], maskWords: ["Falcon"], phoneRegion: "DE",
      direction: MaskDirection.BOTH, style: MaskStyle.PSEUDONYMIZE, restore: true, record: RecordMode.RAW,
    });
    expect(await read("review")).toMatchObject({
      action: PolicyAction.REVIEW, approvers: ["security", "legal"], wait: { seconds: 30n }, grant: { seconds: 3600n },
      webhook: "http://hooks.internal/review", record: RecordMode.NONE,
    });
    const again = await store.apply([mask, review], "test");
    expect(again.map((result) => result.outcome)).toEqual([Outcome.UNCHANGED, Outcome.UNCHANGED]);
  });

  it("stores a content rule's keyword mode, gives it to agents, and tells a changed mode from an unchanged one", async () => {
    const store = createResourceStore(opened.db);
    const deny = (keywordMatch: KeywordMatch) => policy("no-birds", { action: PolicyAction.DENY, match: create(ContentMatchSchema, { keywords: ["nightingale"], keywordMatch }) });
    await store.apply([connection("openai"), deny(KeywordMatch.PREFIX)], "test");
    const read = async () => (await store.get(Kind.POLICY, "no-birds"))!.resource.value as Policy;
    expect((await read()).match).toMatchObject({ keywords: ["nightingale"], keywordMatch: KeywordMatch.PREFIX });
    expect(agentPolicy(await read()).keywordMatch).toBe(AgentKeywordMatch.PREFIX);
    expect((await store.apply([deny(KeywordMatch.PREFIX)], "test")).map((result) => result.outcome)).toEqual([Outcome.UNCHANGED]);
    expect((await store.apply([deny(KeywordMatch.SUBSTRING)], "test")).map((result) => result.outcome)).toEqual([Outcome.UPDATED]);
    await store.apply([deny(KeywordMatch.UNSPECIFIED)], "test");
    expect((await read()).match?.keywordMatch).toBe(KeywordMatch.UNSPECIFIED);
  });

  it("keeps an exchange's findings, recorded bodies and mask policies", async () => {
    const masked = exchange(`masked-${flavour}`);
    masked.verdict = Verdict.MASKED;
    masked.findings = [
      { $typeName: "palisade.agent.v1.MaskFinding", detector: "email", location: "request.messages[0].content", count: 2 },
      { $typeName: "palisade.agent.v1.MaskFinding", detector: "phone", location: "response", count: 1 },
    ];
    masked.recordedBodies = RecordedBodies.MASKED;
    masked.maskPolicies = ["mask-pii", "mask-cards"];
    await createExchangeSink(opened.db).commit("agent-1", [masked, exchange(`plain-${flavour}`)]);
    const reader = createExchangeReader(opened.db);
    const got = (await reader.get(`masked-${flavour}`))!.exchange;
    expect(got.verdict).toBe(Verdict.MASKED);
    expect(got.findings.map(({ detector, location, count }) => ({ detector, location, count }))).toEqual([
      { detector: "email", location: "request.messages[0].content", count: 2 },
      { detector: "phone", location: "response", count: 1 },
    ]);
    expect(got.recordedBodies).toBe(RecordedBodies.MASKED);
    expect(got.maskPolicies).toEqual(["mask-pii", "mask-cards"]);
    const plain = (await reader.get(`plain-${flavour}`))!.exchange;
    expect(plain).toMatchObject({ findings: [], recordedBodies: RecordedBodies.UNSPECIFIED, maskPolicies: [] });
    const listed = (await reader.list({ limit: 10 })).exchanges.find((s) => s.exchange.id === `masked-${flavour}`);
    expect(listed?.exchange.maskPolicies).toEqual(["mask-pii", "mask-cards"]);
  });
});
