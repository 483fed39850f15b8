import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TokenRevocationSchema } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { compileRevocations } from "./revocations.js";

const iss = "urn:palisade:service-accounts";
const revocation = (init: { jti?: string; subject?: string; issuedBeforeMs?: number; issuer?: string }) =>
  create(TokenRevocationSchema, {
    jti: init.jti ?? "",
    subject: init.subject ?? "",
    issuer: init.issuer ?? iss,
    issuedBefore: init.issuedBeforeMs === undefined ? undefined : timestampFromMs(init.issuedBeforeMs),
    expireTime: timestampFromMs(Date.now() + 3_600_000),
  });

describe("compileRevocations", () => {
  const before = 1_800_000_000_500;
  const list = compileRevocations([
    revocation({ jti: "j1" }),
    revocation({ subject: "bot", issuedBeforeMs: before }),
  ]);

  it("refuses a revoked jti of that issuer only", () => {
    expect(list.isRevoked(iss, { jti: "j1", sub: "x", iat: 1 })).toBe(true);
    expect(list.isRevoked("https://other.test", { jti: "j1", sub: "x", iat: 1 })).toBe(false);
    expect(list.isRevoked(iss, { jti: "j2", sub: "x", iat: 1 })).toBe(false);
  });

  it("refuses a subject's tokens issued before the revocation, including earlier in the same second", () => {
    expect(list.isRevoked(iss, { sub: "bot", iat: 1_700_000_000 })).toBe(true);
    expect(list.isRevoked(iss, { sub: "bot", iat: 1_800_000_000 })).toBe(true);
    expect(list.isRevoked(iss, { sub: "bot", iat: 1_800_000_001 })).toBe(false);
    expect(list.isRevoked(iss, { sub: "bot" })).toBe(true);
    expect(list.isRevoked(iss, { sub: "someone-else", iat: 1 })).toBe(false);
  });

  it("refuses malformed revocations so the snapshot is NACKed", () => {
    expect(() => compileRevocations([revocation({})])).toThrow(/exactly one/);
    expect(() => compileRevocations([revocation({ jti: "a", subject: "b" })])).toThrow(/exactly one/);
    expect(() => compileRevocations([revocation({ subject: "b" })])).toThrow(/issued-before/);
    expect(() => compileRevocations([revocation({ jti: "a", issuer: "" })])).toThrow(/issuer/);
  });
});

describe("compileRevocations against the previous lookup (a key made for every token)", () => {
  it("answers the same for any list (empty, jtis only, subjects only, both) and any claims", () => {
    const previous = (list: readonly ReturnType<typeof revocation>[]) => {
      const key = (issuer: string, value: string) => JSON.stringify([issuer, value]);
      const jtis = new Set(list.filter((each) => each.jti).map((each) => key(each.issuer, each.jti)));
      const subjects = new Map<string, number>();
      for (const each of list) if (!each.jti) subjects.set(key(each.issuer, each.subject), Math.max(Number(each.issuedBefore!.seconds) * 1000 + each.issuedBefore!.nanos / 1e6, subjects.get(key(each.issuer, each.subject)) ?? 0));
      return (issuer: string, claims: { jti?: unknown; sub?: unknown; iat?: unknown }) => {
        if (typeof claims.jti === "string" && jtis.has(key(issuer, claims.jti))) return true;
        if (typeof claims.sub !== "string") return false;
        const before = subjects.get(key(issuer, claims.sub));
        if (before === undefined) return false;
        return typeof claims.iat !== "number" || claims.iat * 1000 < before;
      };
    };
    const value = fc.constantFrom("j1", "j2", "bot", "x", "");
    const issuer = fc.constantFrom(iss, "https://other.test");
    const entry = fc.oneof(
      fc.record({ jti: value.filter((text) => text !== ""), issuer }).map((init) => revocation(init)),
      fc.record({ subject: value.filter((text) => text !== ""), issuer, issuedBeforeMs: fc.integer({ min: 0, max: 4e12 }) }).map((init) => revocation(init)),
    );
    const claims = fc.record({ jti: fc.oneof(value, fc.constant(7)), sub: fc.oneof(value, fc.constant(undefined)), iat: fc.oneof(fc.integer({ min: 0, max: 4e9 }), fc.constant(undefined)) }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 4 }), fc.array(fc.tuple(issuer, claims), { maxLength: 6 }), (list, asks) => {
        const ours = compileRevocations(list);
        const reference = previous(list);
        for (const [who, claim] of asks) expect(ours.isRevoked(who, claim as never)).toBe(reference(who, claim));
      }),
      { numRuns: 2000 },
    );
  });
});
