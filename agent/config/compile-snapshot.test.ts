import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { Provider, SnapshotSchema, type Snapshot } from "../../gen/palisade/agent/v1/snapshot_pb.js";
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
});
