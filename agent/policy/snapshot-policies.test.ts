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
