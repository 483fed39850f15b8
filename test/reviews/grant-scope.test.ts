// What an approval's grant covers, through a real agent: the same caller's same request as the
// provider reads it. The content hash named connection, method, path and body but not the headers
// that go upstream with them, so a grant for one request let through another the upstream acts on
// differently (`x-http-method-override: DELETE`, another organization or project, a beta feature).
// Headers that do not change what the provider does (user agent, SDK retry counts, tracing) stay out.
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlockSchema, PolicyAction, PolicySchema, ReviewDecisionSchema, SnapshotSchema } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { issuerUrl, testSnapshot } from "../agent/test-bed.js";
import { startPolicyBed, type PolicyBed } from "../policy-e2e/policy-bed.js";
import { eventually } from "../support/eventually.js";

let bed: PolicyBed;
beforeAll(async () => {
  bed = await startPolicyBed();
});
afterAll(() => bed?.close());

const holdAll = create(PolicySchema, { name: "hold-all", connections: ["*"], action: PolicyAction.REVIEW, approvers: ["finance"], wait: durationFromMs(150), grant: durationFromMs(600_000) });
const body = JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "release the quarterly numbers" }] });

async function post(headers: Record<string, string> = {}) {
  return fetch(`${bed.agent.url}/openai/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${await bed.issuer.token("alice")}`, "content-type": "application/json", "user-agent": "app/1", ...headers },
    body,
  });
}

let version = 1000;
/** Pushes the hold-all policy with an approval granting `contentHash` to alice, and waits for the ACK. */
async function grant(contentHash: string): Promise<void> {
  version++;
  const snapshot = create(SnapshotSchema, {
    ...testSnapshot(bed.provider.url, bed.issuer.jwk, String(version)),
    policies: [holdAll],
    reviews: [create(ReviewDecisionSchema, {
      id: `review-${version}`, approved: true, decidedBy: "fay", subject: "alice", issuer: issuerUrl, policy: "hold-all", contentHash, grantExpireTime: timestampFromMs(Date.now() + 600_000),
    })],
  });
  const acks = bed.controlPlane.acks.length;
  bed.controlPlane.push(snapshot);
  await eventually("the grant's snapshot ACK", () => bed.controlPlane.acks.slice(acks).some((ack) => ack.version === String(version)));
}

describe("a review grant covers the request the provider reads, headers included", () => {
  it("lets the approved request through again, and not one with a header that changes what the upstream does", async () => {
    await bed.use([{ name: "hold-all", action: PolicyAction.REVIEW, approvers: ["finance"], wait: durationFromMs(150), grant: durationFromMs(600_000) }]);
    const held = await post();
    expect(held.status).toBe(403);
    const hash = bed.controlPlane.reviewRequests.at(-1)?.contentHash;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    await grant(hash!);

    const forwarded = () => bed.provider.requests.filter((request) => request.body.includes("quarterly numbers")).length;
    const again = await post({ "user-agent": "app/2", "x-stainless-retry-count": "1", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" });
    expect(again.status).toBe(200);
    await again.text();
    expect(forwarded()).toBe(1);

    const variants: Record<string, string>[] = [{ "x-http-method-override": "DELETE" }, { "x-tenant": "other" }, { "openai-beta": "assistants=v2" }];
    for (const header of variants) {
      const other = await post(header);
      expect(other.status, JSON.stringify(header)).toBe(403);
      expect(await other.text()).toContain("held for review");
    }
    expect(forwarded()).toBe(1);
  });

  it("does not let the approved body through for another caller, path or body (held)", async () => {
    const other = async (subject: string, path: string, text: string) => fetch(`${bed.agent.url}/openai${path}`, {
      method: "POST", headers: { authorization: `Bearer ${await bed.issuer.token(subject)}`, "content-type": "application/json", "user-agent": "app/1" }, body: text,
    });
    const before = bed.provider.requests.length;
    for (const [subject, path, text] of [
      ["bob", "/v1/chat/completions", body], ["alice", "/v1/chat/completions?x=1", body], ["alice", "/v1/responses", body], ["alice", "/v1/chat/completions", `${body} `],
    ] as const) {
      const answer = await other(subject, path, text);
      expect(answer.status, `${subject} ${path}`).toBe(403);
      await answer.text();
    }
    expect(bed.provider.requests.length).toBe(before);
  });

  it("refuses an approved request whose caller was blocked while it was held (an approval covers the request, not the caller)", async () => {
    const waiting = create(PolicySchema, { ...holdAll, wait: durationFromMs(10_000) });
    const decide = async (prompt: string, blocked: boolean) => {
      const reviews = bed.controlPlane.reviewRequests.length;
      const answer = fetch(`${bed.agent.url}/openai/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${await bed.issuer.token("alice")}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: prompt }] }),
      });
      const review = await eventually("the review request", () => bed.controlPlane.reviewRequests[reviews]);
      version++;
      const acks = bed.controlPlane.acks.length;
      bed.controlPlane.push(create(SnapshotSchema, {
        ...testSnapshot(bed.provider.url, bed.issuer.jwk, String(version)),
        policies: [waiting],
        reviews: [create(ReviewDecisionSchema, {
          id: review.id, approved: true, decidedBy: "fay", subject: "alice", issuer: issuerUrl, policy: "hold-all", contentHash: review.contentHash, grantExpireTime: timestampFromMs(Date.now() + 600_000),
        })],
        blocks: blocked ? [create(BlockSchema, { subject: "alice", reason: "alert while held", expireTime: timestampFromMs(Date.now() + 600_000) })] : [],
      }));
      await eventually("the decision's snapshot ACK", () => bed.controlPlane.acks.slice(acks).some((ack) => ack.version === String(version)));
      const response = await answer;
      return { status: response.status, body: await response.text() };
    };
    bed.controlPlane.ackReviews = true;
    await bed.use([{ ...waiting, name: "hold-all" }]);
    expect((await decide("approved and still welcome", false)).status).toBe(200);
    const blocked = await decide("approved but blocked meanwhile", true);
    expect(blocked.status).toBe(403);
    expect(blocked.body).toContain("Blocked by Palisade");
    expect(bed.provider.requests.filter((request) => request.body.includes("blocked meanwhile")).length).toBe(0);
  });
});
