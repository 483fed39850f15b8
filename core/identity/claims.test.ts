import { describe, expect, it } from "vitest";
import { groupsFrom } from "./claims.js";

describe("groupsFrom", () => {
  const claims = { groups: ["a", 2, "b"], role: "admin", realm_access: { roles: ["x", "y"] } };
  it("reads arrays, keeping only strings", () => expect(groupsFrom(claims, "groups")).toEqual(["a", "b"]));
  it("reads a single string as one group", () => expect(groupsFrom(claims, "role")).toEqual(["admin"]));
  it("walks dot paths", () => expect(groupsFrom(claims, "realm_access.roles")).toEqual(["x", "y"]));
  it("gives none for missing paths or an empty claim name", () => {
    expect(groupsFrom(claims, "realm_access.missing.deeper")).toEqual([]);
    expect(groupsFrom(claims, "")).toEqual([]);
  });
});
