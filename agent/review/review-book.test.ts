import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ReviewDecisionSchema } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { contentHash } from "./content-hash.js";
import { compileReviewBook } from "./review-book.js";

const now = Date.UTC(2026, 0, 1);
const hash = contentHash({ connection: "openai", method: "POST", path: "/v1/chat/completions", body: Buffer.from('{"a":1}') });
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
  it("is a SHA-256 hex that changes with the connection, method, path and body", () => {
    const base = { connection: "openai", method: "POST", path: "/v1/chat/completions", body: Buffer.from('{"a":1}') };
    expect(contentHash(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash({ ...base })).toBe(contentHash(base));
    expect(contentHash({ ...base, method: "post" })).toBe(contentHash(base));
    for (const other of [{ connection: "openai2" }, { method: "PUT" }, { path: "/v1/chat/completions?x=1" }, { body: Buffer.from('{"a":2}') }]) {
      expect(contentHash({ ...base, ...other })).not.toBe(contentHash(base));
    }
    // Framing: moving text between the path and the body changes the hash.
    expect(contentHash({ ...base, path: "/v1/a", body: Buffer.from("b") })).not.toBe(contentHash({ ...base, path: "/v1/", body: Buffer.from("ab") }));
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
