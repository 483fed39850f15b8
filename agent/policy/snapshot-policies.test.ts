// Policies as part of an applied snapshot: a condition that does not compile NACKs the whole
// snapshot and the last good one (its policies included) keeps serving.
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { createSnapshotStore } from "../config/snapshot-store.js";
import { PolicyAction, Provider, SnapshotSchema } from "../../gen/palisade/agent/v1/snapshot_pb.js";

const snapshot = (version: string, when: string) =>
  create(SnapshotSchema, {
    version,
    connections: [{ name: "openai", provider: Provider.OPENAI, upstream: "http://127.0.0.1:9", credential: { header: "authorization", value: "Bearer x" } }],
    policies: [{ name: "gate", connections: ["openai"], when, action: PolicyAction.ALLOW }],
  });

describe("policies in the snapshot store", () => {
  it("NACKs a snapshot whose condition does not compile and keeps the last good policies", () => {
    const store = createSnapshotStore();
    expect(store.apply(snapshot("1", '"eng" in identity.groups'))).toEqual({ version: "1", error: "" });
    const result = store.apply(snapshot("2", '"eng" in identity.groups &&'));
    expect(result.version).toBe("1");
    expect(result.error).toMatch(/^policy gate: condition does not compile: 1:\d+: /);
    const [gate] = store.current()?.policies.forConnection("openai") ?? [];
    expect(gate?.name).toBe("gate");
    expect(gate?.condition).toBeDefined();
  });
});

describe("the deployment's phone regions", () => {
  const masking = create(SnapshotSchema, {
    version: "1",
    connections: [{ name: "openai", provider: Provider.OPENAI, upstream: "http://127.0.0.1:9", credential: { header: "authorization", value: "Bearer x" } }],
    policies: [
      { name: "mask-phones", connections: ["openai"], action: PolicyAction.MASK, detectors: ["phone"] },
      { name: "mask-de", connections: ["openai"], action: PolicyAction.MASK, detectors: ["phone"], phoneRegion: "DE" },
    ],
  });
  const found = (store: ReturnType<typeof createSnapshotStore>, policy: string, text: string) =>
    store.current()?.policies.forConnection("openai").find((entry) => entry.name === policy)?.mask?.detectors.find(text).map((finding) => finding.value);

  it("are the national numbers a mask policy finds when it names no region; a policy's own region wins", () => {
    const text = "ring (415) 555-0133 and 020 7946 0958 or 030 901820";
    const us = createSnapshotStore();
    us.apply(masking);
    expect(found(us, "mask-phones", text)).toEqual(["(415) 555-0133"]);
    const gb = createSnapshotStore({}, { phoneRegions: ["GB"] });
    gb.apply(masking);
    expect(found(gb, "mask-phones", text)).toEqual(["020 7946 0958"]);
    expect(found(gb, "mask-de", text)).toContain("030 901820"); // (DE's plan also takes the digits of (415) 555-0133)
    expect(found(gb, "mask-de", text)).not.toContain("020 7946 0958");
  });
});
