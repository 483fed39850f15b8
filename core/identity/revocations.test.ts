import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
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
