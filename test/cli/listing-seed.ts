// Enough of everything the CLI lists for more than 1 MiB of output per listing: resources of every
// kind, sessions, agents with instances, reviews, alerts and blocks, stored through the storage
// layer before the control plane starts (a few bulk transactions, not thousands of admin calls).
// Times are fixed or settle when stored, so two runs of one listing print the same bytes.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { PolicyAction, Provider, type Resource, ResourceSchema, Role } from "../../gen/palisade/admin/v1/resources_pb.js";
import { checkResources } from "../../control-plane/admin/validation.js";
import { insertAlert } from "../../control-plane/alerts/alert-store.js";
import { createBlock } from "../../control-plane/blocks/block-store.js";
import { createReviewStore } from "../../control-plane/reviews/review-store.js";
import { createAgentStore } from "../../control-plane/storage/agents.js";
import { createInstanceWriter } from "../../control-plane/storage/agent-instances.js";
import type { Database } from "../../control-plane/storage/database.js";
import { createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { createResourceStore } from "../../control-plane/storage/resources/resource-store.js";
import { exchange } from "../storage/exchange-fixtures.js";
import { reviewPolicy, reviewRequest } from "../reviews/review-fixtures.js";

/** Sessions start in this hour (`usage --since/--until` name it, so reruns agree). */
export const SESSIONS_FROM = Date.UTC(2026, 0, 1, 12, 0, 0);
export const SESSIONS_UNTIL = SESSIONS_FROM + 3_600_000;

/** How many of each are seeded (the listings ask for at least this many). */
export const SEEDED = { sessions: 3000, reviews: 60, alerts: 120, blocks: 400, agents: 15, resourcesPerKind: 30 };

// A subject long enough that a usage row per subject passes 300 bytes.
const subject = (i: number) => `caller-${String(i).padStart(5, "0")}-${"s".repeat(160)}@example.com`;

/** A seed (for the control-plane bed) storing all of it; file sinks write under `sinkDir`. */
export function seedListings(sinkDir: string): (db: Database) => Promise<void> {
  return async (db) => {
    const resources = [...listingResources(sinkDir), reviewPolicy("needs-review")];
    checkResources(resources);
    await createResourceStore(db).apply(resources, "seed");
    await seedRecords(db);
  };
}

async function seedRecords(db: Database): Promise<void> {
  await seedSessions(db);
  await seedReviews(db);
  await seedAgents(db);
  await db.transaction(async (tx) => {
    const now = new Date();
    for (let i = 0; i < SEEDED.alerts; i++) {
      const sessionIds = Array.from({ length: 300 }, () => randomUUID());
      await insertAlert(tx, {
        rule: "token-burst", subject: subject(i), issuer: "urn:palisade:service-accounts", dedupKey: `seed-${i}`,
        sessionIds, summary: `tokens ${i} times the caller's habit`, observed: 5000 + i, baseline: 100, model: "gpt-test",
      }, false, now);
    }
    for (let i = 0; i < SEEDED.blocks; i++) {
      await createBlock(tx, {
        subject: subject(i), issuer: `https://idp.example.com/${"i".repeat(1500)}`, reason: `seeded block ${i}: ${"r".repeat(1000)}`, rule: "",
        expireTime: new Date(now.getTime() + 86_400_000), createdBy: "seed",
      }, now);
    }
  });
}

async function seedSessions(db: Database): Promise<void> {
  const exchanges = Array.from({ length: SEEDED.sessions }, (_, i) => {
    const x = exchange(`seed-${String(i).padStart(5, "0")}`, { subject: subject(i), startedMs: SESSIONS_FROM + i * 1000 });
    x.model = `gpt-test-${i % 7}`;
    return x;
  });
  await createExchangeSink(db).commit("seed-agent", exchanges);
}

async function seedReviews(db: Database): Promise<void> {
  const reviews = createReviewStore(db, { pendingTtlMs: 3_600_000 });
  for (let i = 0; i < SEEDED.reviews; i++) {
    const prompt = `review ${i}: ${"please look at <EMAIL_1> ".repeat(1000)}`;
    await reviews.create("seed-agent", reviewRequest({ subject: subject(i), issuer: "urn:palisade:service-accounts", prompt, holdMs: 60_000 }));
  }
}

// Each agent has four instances that reported a long NACK error, then disconnected: a stable state.
async function seedAgents(db: Database): Promise<void> {
  const agents = createAgentStore(db);
  const instances = createInstanceWriter(db);
  for (let a = 0; a < SEEDED.agents; a++) {
    const agent = `agent-${String(a).padStart(3, "0")}`;
    await agents.enrol(agent, "", false, "seed");
    for (let i = 0; i < 4; i++) {
      const key = { agent, instance: `host-${i}/${1000 + i}`, stream: randomUUID() };
      await instances.connected(key, { version: "0.1.0", appliedVersion: "1" });
      await instances.applied(key, "1", `snapshot 2 refused: ${"e".repeat(16_000)}`);
      await instances.disconnected(key);
    }
  }
}

/** Resources of every kind, each with a long field (applied as `palisade apply` would). */
function listingResources(sinkDir: string): Resource[] {
  const long = (tag: string) => `${tag} ${"d".repeat(45_000)}`;
  const groups = (tag: string) => Array.from({ length: 1500 }, (_, g) => `${tag}-group-${g}`);
  const resources: Resource[] = [];
  const add = (resource: MessageInitShape<typeof ResourceSchema>["resource"]) => resources.push(create(ResourceSchema, { resource }));
  for (let i = 0; i < SEEDED.resourcesPerKind; i++) {
    const n = String(i).padStart(3, "0");
    add({ case: "connection", value: {
      name: `conn-${n}`, provider: Provider.OPENAI, upstream: "http://127.0.0.1:9/v1",
      credential: { header: "authorization", value: `Bearer sk-${n}` }, allowedGroups: groups(`conn-${n}`),
    } });
    add({ case: "identityProvider", value: { name: `idp-${n}`, issuer: `https://idp-${n}.example.com/${"p".repeat(45_000)}`, audience: "palisade" } });
    add({ case: "serviceAccount", value: { name: `sa-${n}`, description: long(`sa-${n}`) } });
    add({ case: "policy", value: { name: `policy-${n}`, connections: ["*"], action: PolicyAction.ALLOW, description: long(`policy-${n}`) } });
    add({ case: "roleBinding", value: { name: `rb-${n}`, role: Role.VIEWER, groups: groups(`rb-${n}`) } });
    add({ case: "alertRule", value: {
      name: `rule-${n}`, condition: { case: "repeatedViolations", value: { count: 5, window: durationFromMs(600_000) } }, description: long(`rule-${n}`),
    } });
    add({ case: "auditSink", value: {
      name: `sink-${n}`, target: { case: "file", value: { path: join(sinkDir, `sink-${n}.jsonl`) } }, events: ["alert"], description: long(`sink-${n}`),
    } });
  }
  return resources;
}
