import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { MaskDirection, PolicyAction, PolicySchema, SnapshotSchema } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { unknownSettings } from "./unknown-settings.js";

/** `bytes` with field `no` (a varint) appended, as a newer peer's encoder would write it. */
function withField(bytes: Uint8Array, no: number, value = 1): Uint8Array {
  const extra = new BinaryWriter().tag(no, WireType.Varint).uint32(value).finish();
  return Uint8Array.from([...bytes, ...extra]);
}

const policy = create(PolicySchema, { name: "p", connections: ["*"], action: PolicyAction.ALLOW, keywords: ["x"] });

describe("unknownSettings", () => {
  it("finds nothing in a message this build wrote", () => {
    const read = fromBinary(SnapshotSchema, toBinary(SnapshotSchema, create(SnapshotSchema, { version: "1", policies: [policy] })));
    expect(unknownSettings(SnapshotSchema, read)).toEqual([]);
  });

  it("names a field a newer peer set, at any depth", () => {
    const read = fromBinary(PolicySchema, withField(toBinary(PolicySchema, policy), 99));
    expect(unknownSettings(PolicySchema, read)).toEqual(["#99"]);
    const snapshot = fromBinary(SnapshotSchema, toBinary(SnapshotSchema, create(SnapshotSchema, { policies: [read] })));
    expect(unknownSettings(SnapshotSchema, snapshot)).toEqual(["policies[0].#99"]);
    // Inside a nested message (the policy's `wait` Duration), and on the snapshot itself.
    const wait = withField(new Uint8Array(), 7);
    const nested = new BinaryWriter().tag(20, WireType.LengthDelimited).bytes(wait).finish();
    const waiting = fromBinary(PolicySchema, Uint8Array.from([...toBinary(PolicySchema, policy), ...nested]));
    expect(unknownSettings(PolicySchema, waiting)).toEqual(["wait.#7"]);
    expect(unknownSettings(SnapshotSchema, fromBinary(SnapshotSchema, withField(new Uint8Array(), 40)))).toEqual(["#40"]);
  });

  it("names an enum value the schema does not list, and only that", () => {
    const read = fromBinary(PolicySchema, toBinary(PolicySchema, create(PolicySchema, { ...policy, direction: 9 as MaskDirection, action: 7 as PolicyAction })));
    expect(unknownSettings(PolicySchema, read).sort()).toEqual(["action=7", "direction=9"]);
    expect(unknownSettings(PolicySchema, create(PolicySchema, { ...policy, direction: MaskDirection.BOTH }))).toEqual([]);
  });
});
