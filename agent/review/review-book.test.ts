import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ReviewDecisionSchema } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { contentHash } from "./content-hash.js";
import { reviewedHeaders } from "./reviewed-headers.js";
import { compileReviewBook } from "./review-book.js";

const now = Date.UTC(2026, 0, 1);
const hash = contentHash({ connection: "openai", method: "POST", path: "/v1/chat/completions", headers: [], body: Buffer.from('{"a":1}') });
const key = { subject: "rita", issuer: "https://idp", policy: "needs-review", contentHash: hash };
const decision = (id: string, fields: Partial<{ approved: boolean; subject: string; issuer: string; policy: string; contentHash: string; grantMs: number; reason: string }>) =>
  create(ReviewDecisionSchema, {
    id,
    approved: fields.approved ?? true,
    subject: fields.subject ?? key.subject,
    issuer: fields.issuer ?? key.issuer,
    policy: fields.policy ?? key.policy,
    contentHash: fields.contentHash ?? key.contentHash,
    reason: fields.reason ?? "",
    grantExpireTime: fields.approved === false ? undefined : timestampFromMs(now + (fields.grantMs ?? 60_000)),
  });

describe("content hash", () => {
  it("is a SHA-256 hex that changes with the connection, method, path, reviewed headers and body", () => {
    const base = { connection: "openai", method: "POST", path: "/v1/chat/completions", headers: [["content-type", "application/json"]] as const, body: Buffer.from('{"a":1}') };
    expect(contentHash(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash({ ...base })).toBe(contentHash(base));
    expect(contentHash({ ...base, method: "post" })).toBe(contentHash(base));
    for (const other of [{ connection: "openai2" }, { method: "PUT" }, { path: "/v1/chat/completions?x=1" }, { body: Buffer.from('{"a":2}') }, { headers: [] }, { headers: [["content-type", "application/json"], ["x-http-method-override", "DELETE"]] as const }]) {
      expect(contentHash({ ...base, ...other })).not.toBe(contentHash(base));
    }
    // Framing: moving text between the path and the body changes the hash.
    expect(contentHash({ ...base, path: "/v1/a", body: Buffer.from("b") })).not.toBe(contentHash({ ...base, path: "/v1/", body: Buffer.from("ab") }));
    // ...and between the headers and the body.
    expect(contentHash({ ...base, headers: [["a", "b"]], body: Buffer.from("") })).not.toBe(contentHash({ ...base, headers: [], body: Buffer.from("a: b\n") }));
  });

  it("reviews every forwarded header but how a client is built or traced; the agent's Content-Type when it re-wrote the body", () => {
    const caller = {
      authorization: "Bearer t", "x-api-key": "k", host: "agent", "content-length": "9", "content-type": "application/json", "user-agent": "OpenAI/JS 5",
      "x-stainless-retry-count": "2", traceparent: "00-1-2-01", "idempotency-key": "i", "openai-beta": "assistants=v2", accept: "application/json", connection: "keep-alive, x-hop", "x-hop": "1",
    };
    expect(reviewedHeaders(caller, "authorization", undefined)).toEqual([["accept", "application/json"], ["content-type", "application/json"], ["openai-beta", "assistants=v2"]]);
    expect(reviewedHeaders({ "content-type": "text/plain; charset=latin1" }, "x-api-key", "text/plain; charset=utf-8")).toEqual([["content-type", "text/plain; charset=utf-8"]]);
    expect(reviewedHeaders({}, "x-api-key", "multipart/form-data; boundary=b")).toEqual([["content-type", "multipart/form-data; boundary=b"]]);
  });
});

describe("grant matching", () => {
  it("grants only the same subject, issuer, policy and content hash, until the grant expires", () => {
    const book = compileReviewBook([decision("r1", {})]);
    expect(book.grant(key, now)?.id).toBe("r1");
    expect(book.grant(key, now + 60_000)).toBeUndefined();
    for (const other of [{ subject: "sam" }, { issuer: "https://other" }, { policy: "other" }, { contentHash: "0".repeat(64) }]) {
      expect(book.grant({ ...key, ...other }, now)).toBeUndefined();
    }
  });

  it("never grants on a denial, and tells a holding request its decision by id", () => {
    const book = compileReviewBook([decision("r2", { approved: false, reason: "no" })]);
    expect(book.grant(key, now)).toBeUndefined();
    expect(book.decision("r2")).toMatchObject({ approved: false, reason: "no" });
    expect(book.decision("absent")).toBeUndefined();
  });

  it("picks the longest running of several grants", () => {
    const book = compileReviewBook([decision("short", { grantMs: 10_000 }), decision("long", { grantMs: 90_000 })]);
    expect(book.grant(key, now)?.id).toBe("long");
    expect(book.grant(key, now + 20_000)?.id).toBe("long");
  });
});
