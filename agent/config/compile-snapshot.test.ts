import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { type MaskStyle, PolicyAction, PolicySchema, Provider, ReviewDecisionSchema, SnapshotSchema, type Snapshot } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { createKeySetCache } from "../../core/identity/key-sets.js";
import { compileSnapshot } from "./compile-snapshot.js";

const good = {
  name: "openai",
  provider: Provider.OPENAI,
  upstream: "https://api.example.com/v0/",
  credential: { header: "Authorization", value: "Bearer sk-1" },
};

function snapshot(connection: Partial<typeof good>): Snapshot {
  return create(SnapshotSchema, { version: "7", connections: [{ ...good, ...connection }] });
}

describe("compileSnapshot", () => {
  it("compiles connections with their provider and a normalised upstream", () => {
    const compiled = compileSnapshot(snapshot({}), createKeySetCache());
    const connection = compiled.connections.get("openai");
    expect(compiled.version).toBe("7");
    expect(connection?.provider.name).toBe("openai");
    expect(connection?.upstream.origin).toBe("https://api.example.com");
    expect(connection?.basePath).toBe("/v0");
    expect(connection?.credential).toEqual({ header: "authorization", value: "Bearer sk-1" });
  });

  it.each([
    [{ provider: Provider.UNSPECIFIED }, /unknown provider/],
    [{ upstream: "ftp://x" }, /http\(s\)/],
    [{ upstream: "not a url" }, /not a URL/],
    [{ credential: { header: "authorization", value: "" } }, /credential value/],
    [{ credential: { header: "", value: "x" } }, /credential header/],
    [{ name: "Bad Name" }, /not valid/],
  ])("refuses %o", (change, error) => {
    expect(() => compileSnapshot(snapshot(change), createKeySetCache())).toThrow(error);
  });

  it("never puts the credential in an error", () => {
    expect(() => compileSnapshot(snapshot({ credential: { header: "x y", value: "Bearer sk-secret" } }), createKeySetCache())).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("sk-secret") }),
    );
  });

  it("compiles settings it does not know into refusals, never into the part it read", () => {
    const newer = [{ no: 50, wireType: WireType.Varint, data: new BinaryWriter().uint32(1).finish() }];
    const approval = (id: string, approved: boolean) => create(ReviewDecisionSchema, { id, approved, subject: "alice", issuer: "i", policy: "p", contentHash: "h", grantExpireTime: timestampFromMs(Date.now() + 60_000) });
    const base = snapshot({});
    const reviews = [approval("known", true), approval("scoped", true), approval("denied", false)];
    reviews[1]!.$unknown = newer;
    reviews[2]!.$unknown = newer;
    base.reviews.push(...reviews);
    base.connections[0]!.provider = 9 as Provider; // a provider this agent has no format for: refused, not a NACK
    base.policies.push(create(PolicySchema, { name: "mask-it", connections: ["*"], action: PolicyAction.MASK, detectors: ["email"], style: 7 as MaskStyle }));
    const compiled = compileSnapshot(base, createKeySetCache());
    expect(compiled.reviews.decision("known")?.approved).toBe(true);
    expect(compiled.reviews.decision("scoped")).toBeUndefined(); // an approval wider than meant is never granted
    expect(compiled.reviews.decision("denied")?.approved).toBe(false); // a denial stands
    expect(compiled.connections.get("openai")?.unenforceable).toContain("provider=9");
    const [policy] = compiled.policies.all;
    expect(policy).toMatchObject({ decision: "deny", mask: expect.anything() }); // denied; its rule still masks the record
    expect(policy?.reason).toContain("style=7");
    expect(compiled.unenforceable).toEqual(["connection openai: provider=9", "review scoped: #50", "policy mask-it: style=7"]);
  });
});
